"""factory_boy factories. Every row a factory makes belongs to one agency: pass `agency=` and
related factories reuse it, so a test never builds a cross-tenant object by accident."""

from __future__ import annotations

from datetime import time, timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from apps.accounts.models import User
from apps.agencies.models import Agency, ApiToken, Invitation, Membership
from apps.agencies.roles import Role
from apps.core.tokens import hash_token, new_token

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    # Not Faker: a random name with an apostrophe ("O'Neil") is escaped on every page, so a
    # test asserting the raw name would pass or fail with the seed. Tests of awkward names
    # say so themselves.
    name = factory.Sequence(lambda n: f"Person {n}")
    time_zone = "UTC"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy passes the object
        # allauth requires a verified address to sign in; most tests want a usable account.
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    time_zone = "Europe/Berlin"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    agency = factory.SubFactory(AgencyFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ENGINEER


class InvitationFactory(factory.django.DjangoModelFactory):
    """For bulk rows; tests that need the link itself create invitations through the service."""

    class Meta:
        model = Invitation
        exclude = ["raw_token"]

    agency = factory.SubFactory(AgencyFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.ENGINEER
    raw_token = factory.LazyFunction(lambda: new_token()[0])
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.raw_token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    invited_by = None


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiToken
        exclude = ["raw_token"]

    membership = factory.SubFactory(MembershipFactory)
    agency = factory.SelfAttribute("membership.agency")
    name = factory.Sequence(lambda n: f"Token {n}")
    raw_token = factory.LazyFunction(lambda: new_token("lp_")[0])
    prefix = factory.LazyAttribute(lambda o: o.raw_token[:9])
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.raw_token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.Client"

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Client {n}")
    status = "active"


# --- One row of every tenant-owned model (issue 10: the operators' admin walks them all) ---
# Each factory takes `agency=` and hands it to the rows it builds, so a whole chain (booking,
# its offer, its host, the host's person) stays in one agency.
_SAME_AGENCY = factory.SelfAttribute("..agency")


class ClientContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.ClientContact"

    agency = factory.SubFactory(AgencyFactory)
    client = factory.SubFactory(ClientFactory, agency=_SAME_AGENCY)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@client.test")


class ProjectFactory(factory.django.DjangoModelFactory):
    """A bare engagement row (no checklist); tests of behaviour use projects.services."""

    class Meta:
        model = "projects.Project"

    agency = factory.SubFactory(AgencyFactory)
    client = factory.SubFactory(ClientFactory, agency=_SAME_AGENCY)
    name = factory.Sequence(lambda n: f"Engagement {n}")


class EnvironmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.Environment"

    agency = factory.SubFactory(AgencyFactory)
    project = factory.SubFactory(ProjectFactory, agency=_SAME_AGENCY)
    kind = "staging"
    url = "https://staging.example.test"


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.Assignment"

    agency = factory.SubFactory(AgencyFactory)
    project = factory.SubFactory(ProjectFactory, agency=_SAME_AGENCY)
    membership = factory.SubFactory(MembershipFactory, agency=_SAME_AGENCY)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.Activity"

    agency = factory.SubFactory(AgencyFactory)
    project = factory.SubFactory(ProjectFactory, agency=_SAME_AGENCY)
    kind = "project.updated"
    field = "name"
    old_value = "Old name"
    new_value = "New name"


class CatalogItemFactory(factory.django.DjangoModelFactory):
    """An agency's own catalog item (the shared catalog comes from the `catalog` fixture)."""

    class Meta:
        model = "checklists.CatalogItem"

    agency = factory.SubFactory(AgencyFactory)
    key = factory.Sequence(lambda n: f"own.item-{n}")
    category = "security"
    title = factory.Sequence(lambda n: f"Own item {n}")
    guidance = "Why and how."
    severity = "high"


class ProjectItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "checklists.ProjectItem"

    agency = factory.SubFactory(AgencyFactory)
    project = factory.SubFactory(ProjectFactory, agency=_SAME_AGENCY)
    catalog_item = factory.SubFactory(CatalogItemFactory, agency=_SAME_AGENCY)
    key = factory.SelfAttribute("catalog_item.key")
    category = factory.SelfAttribute("catalog_item.category")
    title = factory.SelfAttribute("catalog_item.title")
    severity = factory.SelfAttribute("catalog_item.severity")
    level = factory.SelfAttribute("catalog_item.level")


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "checklists.Evidence"

    agency = factory.SubFactory(AgencyFactory)
    item = factory.SubFactory(ProjectItemFactory, agency=_SAME_AGENCY)
    url = "https://github.com/acme/app/pull/1"


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "checklists.Comment"

    agency = factory.SubFactory(AgencyFactory)
    item = factory.SubFactory(ProjectItemFactory, agency=_SAME_AGENCY)
    body = "Looks good to me."


class ReadinessSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "checklists.ReadinessSnapshot"

    agency = factory.SubFactory(AgencyFactory)
    project = factory.SubFactory(ProjectFactory, agency=_SAME_AGENCY)
    day = factory.LazyFunction(timezone.localdate)
    overall = 42


class ConsultationTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.ConsultationType"

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Review {n}")
    slug = factory.Sequence(lambda n: f"review-{n}")


class ConsultationHostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.ConsultationHost"

    agency = factory.SubFactory(AgencyFactory)
    consultation_type = factory.SubFactory(ConsultationTypeFactory, agency=_SAME_AGENCY)
    membership = factory.SubFactory(MembershipFactory, agency=_SAME_AGENCY)


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.Schedule"

    agency = factory.SubFactory(AgencyFactory)
    membership = factory.SubFactory(MembershipFactory, agency=_SAME_AGENCY)
    time_zone = "Europe/Berlin"


class WeeklyRangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.WeeklyRange"

    agency = factory.SubFactory(AgencyFactory)
    schedule = factory.SubFactory(ScheduleFactory, agency=_SAME_AGENCY)
    weekday = 0
    start = factory.LazyFunction(lambda: time(9))
    end = factory.LazyFunction(lambda: time(17))


class DateOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.DateOverride"

    agency = factory.SubFactory(AgencyFactory)
    schedule = factory.SubFactory(ScheduleFactory, agency=_SAME_AGENCY)
    day = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))
    note = "Conference"


class BookingPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.BookingPolicy"

    agency = factory.SubFactory(AgencyFactory)


class BookingFactory(factory.django.DjangoModelFactory):
    """A confirmed booking a week ahead, each one an hour after the previous (so the host's
    bookings never overlap); tests of booking rules use bookings.services."""

    class Meta:
        model = "bookings.Booking"

    agency = factory.SubFactory(AgencyFactory)
    consultation_type = factory.SubFactory(ConsultationTypeFactory, agency=_SAME_AGENCY)
    host = factory.SubFactory(MembershipFactory, agency=_SAME_AGENCY)
    start = factory.Sequence(
        lambda n: (
            timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=7, hours=n)
        )
    )
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=30))
    blocked_start = factory.SelfAttribute("start")
    blocked_end = factory.SelfAttribute("end")
    booker_name = factory.Sequence(lambda n: f"Booker {n}")
    booker_email = factory.Sequence(lambda n: f"booker{n}@prospect.test")
    booker_time_zone = "America/New_York"
    consent_at = factory.LazyFunction(timezone.now)
    idempotency_key = factory.Sequence(lambda n: f"booking-key-{n}")


class BookingEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bookings.BookingEvent"

    agency = factory.SubFactory(AgencyFactory)
    booking = factory.SubFactory(BookingFactory, agency=_SAME_AGENCY)
    kind = "booked"
    by_booker = True


class RepositoryAccessFactory(factory.django.DjangoModelFactory):
    """The token column holds a placeholder, not a real Fernet token: tests that decrypt
    save the token through scans.services."""

    class Meta:
        model = "scans.RepositoryAccess"

    agency = factory.SubFactory(AgencyFactory)
    project = factory.SubFactory(ProjectFactory, agency=_SAME_AGENCY)
    token_encrypted = "not-a-real-ciphertext"
    token_hint = "abcd"


class ScanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scans.Scan"

    agency = factory.SubFactory(AgencyFactory)
    project = factory.SubFactory(ProjectFactory, agency=_SAME_AGENCY)
    repository_url = "https://github.com/acme/app"
    status = "succeeded"


class ScanFindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scans.ScanFinding"

    agency = factory.SubFactory(AgencyFactory)
    scan = factory.SubFactory(ScanFactory, agency=_SAME_AGENCY)
    rule_id = "secrets.env-committed"
    rule_title = "A .env file is committed"
    category = "security"
    severity = "high"
    message = "The repository holds a .env file."
    path = ".env"
    key = factory.Sequence(lambda n: f"finding-{n}")
