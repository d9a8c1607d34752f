"""A person's own pages: profile and account security (recent sign-ins)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from apps.accounts.forms import ProfileForm
from apps.accounts.models import User
from apps.accounts.services import user_update_profile
from apps.audit.selectors import account_event_list
from apps.core.views_helpers import submit


class _SignedInRequest(HttpRequest):
    """For the type checker: behind LoginRequiredMixin, the user is signed in."""

    user: User


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "accounts/profile.html"
    form_class = ProfileForm
    request: _SignedInRequest

    def get_initial(self):
        return {"name": self.request.user.name, "time_zone": self.request.user.time_zone}

    def form_valid(self, form):
        if not submit(form, lambda data: user_update_profile(user=self.request.user, **data)):
            return self.form_invalid(form)
        messages.success(self.request, "Profile saved.")
        return redirect("profile")


class SecurityView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/security.html"
    request: _SignedInRequest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["events"] = account_event_list(user=self.request.user)
        return context
