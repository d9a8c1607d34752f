"""Load the demo data set: one agency with its team, through the same services the app uses.

Safe to run twice: it finds what it made before and only fills in what is missing.
"""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from apps.accounts.models import User
from apps.agencies import services as agency_services
from apps.agencies.models import Agency, Invitation, Membership
from apps.agencies.roles import Role
from apps.core.tenancy import tenant_context

DEMO_PASSWORD = "launchpad-demo"  # noqa: S105 - published demo credential, local data only
DEMO_AGENCY = {"name": "Northwind Studio", "slug": "northwind", "time_zone": "Europe/Berlin"}
DEMO_PEOPLE = [
    ("owner@northwind.test", "Olivia Owner", Role.OWNER, "Europe/Berlin"),
    ("admin@northwind.test", "Adam Admin", Role.ADMIN, "Europe/London"),
    ("engineer@northwind.test", "Erin Engineer", Role.ENGINEER, "America/New_York"),
    ("engineer2@northwind.test", "Ethan Engineer", Role.ENGINEER, "Asia/Kolkata"),
    ("client@acme.test", "Chloe Client", Role.CLIENT, "America/Los_Angeles"),
]


def demo_user(email: str, name: str, time_zone: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, name=name, time_zone=time_zone
        )
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


class Command(BaseCommand):
    help = "Create the demo agency and people (idempotent) and print the demo logins."

    @transaction.atomic
    def handle(self, *args, **options):
        people = {email: demo_user(email, name, tz) for email, name, _, tz in DEMO_PEOPLE}
        owner = people[DEMO_PEOPLE[0][0]]
        agency = Agency.objects.filter(slug=DEMO_AGENCY["slug"]).first()
        if agency is None:
            agency = agency_services.agency_create(actor=owner, **DEMO_AGENCY)
        with tenant_context(agency):
            for email, _name, role, _tz in DEMO_PEOPLE:
                Membership.objects.for_agency(agency).get_or_create(
                    user=people[email], defaults={"agency": agency, "role": role}
                )
            owner_membership = Membership.objects.for_agency(agency).get(user=owner)
            if (
                not Invitation.objects.for_agency(agency)
                .filter(email="newhire@northwind.test")
                .exists()
            ):
                agency_services.invitation_create(
                    actor=owner_membership, email="newhire@northwind.test", role=Role.ENGINEER
                )

        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at /accounts/login/ with:"))
        for email, _name, role, _tz in DEMO_PEOPLE:
            self.stdout.write(f"  {role.label:<15} {email:<28} password: {DEMO_PASSWORD}")
