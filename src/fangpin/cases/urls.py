"""URLs of the cases pages (included at the site root by fangpin.web.urls)."""

from django.urls import path

from fangpin.cases import views

urlpatterns = [
    path("cases/", views.case_queue, name="case-queue"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/steps/<slug:step>/", views.case_step, name="case-step"),
    path("cases/<int:pk>/objections/resolve/", views.objection_resolve, name="case-objection-resolve"),
    path("cases/new/<int:household_pk>/", views.case_open, name="case-open"),
    path("cases/attachments/<int:pk>/", views.attachment_download, name="case-attachment"),
    path("notices/<int:pk>/", views.notice_detail, name="notice-detail"),
    path("notices/<int:pk>/notice.pdf", views.notice_download, name="notice-pdf"),
]
