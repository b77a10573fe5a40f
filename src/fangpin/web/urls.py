"""URLs of the web app (included at the site root)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from fangpin.web import feeds_views, inbox_views, views
from fangpin.web.forms import LoginForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),  # POST only since Django 5.0
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("", views.household_list, name="household-list"),
    path("households/", views.household_list),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/members/new/", views.member_add, name="member-add"),
    path("households/<int:pk>/incomes/new/", views.income_record, name="income-record"),
    path("members/<int:pk>/id-number/", views.member_id_reveal, name="member-id-reveal"),
    path("feeds/upload/", feeds_views.feeds_upload, name="feeds-upload"),
    path("feeds/upload/map/", feeds_views.feeds_mapping, name="feeds-mapping"),
    path("feeds/batches/<int:pk>/", feeds_views.feeds_batch, name="feeds-batch"),
    path("feeds/batches/<int:pk>/invalid.xlsx", feeds_views.feeds_batch_invalid, name="feeds-batch-invalid"),
    path("feeds/queue/", feeds_views.feeds_queue, name="feeds-queue"),
    path("", include("fangpin.screening.urls")),
    path("", include("fangpin.monitoring.urls")),
    path("", include("fangpin.alerts.urls")),
    path("", include("fangpin.cases.urls")),
    path("", include("fangpin.assistance.urls")),
]
