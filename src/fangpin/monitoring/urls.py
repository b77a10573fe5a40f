"""URLs of the monitoring configuration pages (included at the site root by fangpin.web.urls)."""

from django.urls import path

from fangpin.monitoring import views

urlpatterns = [path("screening/lines/", views.monitoring_lines, name="monitoring-lines")]
