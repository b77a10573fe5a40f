"""URLs of the data-quality page (included by the screening URLs)."""

from django.urls import path

from fangpin.screening.quality import views

urlpatterns = [
    path("quality/", views.quality_home, name="quality"),
    path("quality/run/", views.quality_run_now, name="quality-run"),
]
