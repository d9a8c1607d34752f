"""A person's own pages: profile and account security (recent sign-ins)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.views.generic import FormView, TemplateView

from apps.accounts.forms import ProfileForm
from apps.accounts.requests import SignedInRequest
from apps.accounts.services import user_update_profile
from apps.audit.selectors import account_event_list
from apps.core.views_helpers import submit


class ProfileView(LoginRequiredMixin, FormView):
    template_name = "accounts/profile.html"
    form_class = ProfileForm
    request: SignedInRequest

    def get_initial(self):
        return {"name": self.request.user.name, "time_zone": self.request.user.time_zone}

    def form_valid(self, form):
        if not submit(form, lambda data: user_update_profile(user=self.request.user, **data)):
            return self.form_invalid(form)
        messages.success(self.request, "Profile saved.")
        return redirect("profile")


class SecurityView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/security.html"
    request: SignedInRequest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["events"] = account_event_list(user=self.request.user)
        return context
