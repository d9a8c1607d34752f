"""django.contrib.admin's app, with the operators' site as `admin.site`.

Named in INSTALLED_APPS, so it is imported before any model: it names the site by path and
imports nothing of Launchpad's (admin_site.py imports the audit trail's models)."""

from django.contrib.admin.apps import AdminConfig


class LaunchpadAdminConfig(AdminConfig):
    default_site = "apps.accounts.admin_site.OperatorsAdminSite"
