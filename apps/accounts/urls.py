"""A person's own pages, beside allauth's under /accounts/."""

from django.urls import path

from apps.accounts.views import ProfileView, SecurityView

urlpatterns = [
    path("profile/", ProfileView.as_view(), name="profile"),
    path("security/", SecurityView.as_view(), name="account_security"),
]
