"""URLs of the alerts pages (included at the site root by fangpin.web.urls)."""

from django.urls import path

from fangpin.alerts import views

urlpatterns = [
    path("alerts/", views.alert_list, name="alert-list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert-detail"),
    path("alerts/<int:pk>/assign/", views.alert_assign, name="alert-assign"),
    path("households/<int:household_pk>/alerts/new/", views.alert_raise_from_visit, name="alert-raise"),
    path("alerts/<int:pk>/confirm/", views.alert_confirm, name="alert-confirm"),
    path("alerts/<int:pk>/dismiss/", views.alert_dismiss, name="alert-dismiss"),
    # The public self-report (一键申报): no log-in.
    path("report/", views.self_report, name="self-report"),
    path("report/done/", views.self_report_done, name="self-report-done"),
    path("report/status/", views.self_report_check, name="self-report-status"),
]
