"""URLs of the screening pages (included at the site root by fangpin.web.urls)."""

from django.urls import include, path

from fangpin.screening import views

urlpatterns = [
    path("screening/", views.screening_home, name="screening"),
    path("screening/rules/", views.rule_set_list, name="screening-rule-sets"),
    path("screening/rules/new/", views.rule_set_edit, name="screening-rule-set-edit"),
    path("screening/rules/<int:pk>/", views.rule_set_detail, name="screening-rule-set"),
    path("screening/rules/<int:pk>/dry-run/", views.rule_set_dry_run, name="screening-rule-set-dry-run"),
    path("screening/rules/<int:pk>/activate/", views.rule_set_activate, name="screening-rule-set-activate"),
    path("screening/runs/<int:pk>/", views.run_detail, name="screening-run"),
    path("", include("fangpin.screening.quality.urls")),
]
