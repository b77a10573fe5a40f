"""URLs of the assistance pages (included at the site root by fangpin.web.urls)."""

from django.urls import path

from fangpin.assistance import views

urlpatterns = [
    path("assistance/households/<int:pk>/", views.plan_detail, name="assistance-plan"),
    path("assistance/households/<int:pk>/plan/", views.plan_create, name="assistance-plan-create"),
    path("assistance/households/<int:pk>/measures/new/", views.measure_add, name="assistance-measure-add"),
    path("assistance/households/<int:pk>/helper/", views.helper_assign, name="assistance-helper"),
    path("assistance/households/<int:pk>/visits/new/", views.visit_record, name="assistance-visit"),
    path("assistance/measures/<int:pk>/", views.measure_edit, name="assistance-measure-edit"),
    path("assistance/follow-ups/", views.my_follow_ups, name="assistance-my-follow-ups"),
    path("assistance/follow-ups/overdue/", views.overdue_follow_ups, name="assistance-overdue"),
    path("assistance/visit-form.xlsx", views.visit_form_download, name="assistance-visit-form"),
    path("assistance/visits/import/", views.visits_upload, name="assistance-visits-import"),
]
