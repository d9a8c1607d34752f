"""The request as a page behind LoginRequiredMixin sees it, for the type checker."""

from django.http import HttpRequest

from apps.accounts.models import User


class SignedInRequest(HttpRequest):
    """Behind LoginRequiredMixin the user is signed in: a `User`, never anonymous."""

    user: User
