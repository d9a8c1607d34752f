"""Operators and their sessions for the admin tests: an operator is staff with a verified
address and an authenticator; a session says which methods its sign-in used, as allauth
records them."""

from __future__ import annotations

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.sites.models import Site
from django.test import Client

from apps.agencies.models import AgencyBrand
from apps.audit.models import Verb
from apps.audit.services import audit_record
from apps.checklists.models import CatalogRelease
from apps.core.models import PendingTask
from apps.projects.models import ProjectGroupObjectPermission, ProjectUserObjectPermission
from apps.scans.models import FindingTriage, RepositoryPushDelivery, RepositoryWebhook
from apps.scans.webhooks import new_public_id
from tests import factories as f
from tests.factories import UserFactory
from tests.support.mfa import enrol

# allauth's session key naming whose records these are (allauth.account.internal.flows.login).
_RECORDS_USER_KEY = "account_authentication_methods_user"


# Planted in every secret column of the world (token hashes, ciphertexts, TOTP seeds): no
# admin page may show it.
SECRET_MARK = "sEcReT-mArK-0f-the-world"


@pytest.fixture(autouse=True)
def _totp_tolerates_a_period_boundary(settings):
    # A code computed just before a 30-second boundary is checked just after it: one period
    # of tolerance either way keeps the tests independent of the clock.
    settings.MFA_TOTP_TOLERANCE = 1


@pytest.fixture
def make_operator(db):
    def make(*, mfa: bool = True, verified: bool = True, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        user = UserFactory(verified=verified, **fields)
        if not verified:
            EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
        user.totp_secret = enrol(user) if mfa else None
        return user

    return make


@pytest.fixture
def operator(make_operator):
    return make_operator()


def session_signed_in(user, *methods: str) -> Client:
    """A browser whose session is signed in as `user` after the given allauth steps
    ("password", "mfa", "mfa-reauth"), as allauth records them."""
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    session = client.session
    records = []
    for method in methods:
        record = {"method": method.removesuffix("-reauth"), "at": 0.0}
        if method.endswith("-reauth"):
            record["reauthenticated"] = True
        records.append(record)
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_RECORDS_USER_KEY] = str(user.pk)
    session.save()
    return client


@pytest.fixture
def operator_client(operator):
    """The operator, signed in with password and authenticator."""
    return session_signed_in(operator, "password", "mfa")


def _outbox_rows(agency, member) -> list:
    from django.utils import timezone

    from apps.notifications.models import (
        Delivery,
        EmailOptOut,
        Notification,
        WebhookAttempt,
        WebhookEndpoint,
    )

    endpoint = WebhookEndpoint.objects.create(
        agency=agency, url=f"https://{agency.slug}.example.com/hook", events=["scan.finished"],
        secret_encrypted=SECRET_MARK,
    )  # fmt: skip
    delivery = Delivery.objects.create(
        agency=agency, kind="scan.finished", channel="webhook", endpoint=endpoint,
        dedupe_key=f"admin-{agency.slug}", due_at=timezone.now(),
    )  # fmt: skip
    return [
        endpoint,
        delivery,
        WebhookAttempt.objects.create(
            agency=agency, delivery=delivery, endpoint=endpoint, status_code=500
        ),
        Notification.objects.create(agency=agency, user=member.user, kind="x", title="Hello"),
        EmailOptOut.objects.create(user=member.user, kind="digest"),
    ]


def _push_webhook_rows(agency, project, scan, member) -> list:
    webhook = RepositoryWebhook.objects.create(
        agency=agency, project=project, public_id=new_public_id(),
        secret_encrypted=SECRET_MARK, created_by=member.user,
    )  # fmt: skip
    delivery = RepositoryPushDelivery.objects.create(
        agency=agency, webhook=webhook, delivery_id="d-1", provider="github", event="push",
        outcome="queued", scan=scan,
    )  # fmt: skip
    return [webhook, delivery]


@pytest.fixture
def world(db):
    """One row of every model the admin shows, all in one agency; `world()` again builds
    another agency's (the list pages must cost as many queries with twice the rows)."""

    def build() -> dict[type, object]:
        agency = f.AgencyFactory()
        member = f.MembershipFactory(agency=agency)
        project = f.ProjectFactory(agency=agency)
        item = f.ProjectItemFactory(agency=agency, project=project, assignee=member)
        booking = f.BookingFactory(agency=agency, host=member)
        schedule = f.ScheduleFactory(agency=agency, membership=member)
        scan = f.ScanFactory(
            agency=agency, project=project, requested_by=member.user, run_token=SECRET_MARK[:24]
        )
        group = Group.objects.create(name=f"Operators of {agency.slug}")
        grant = Permission.objects.get(codename="view_project")
        audit_event = audit_record(
            verb=Verb.CLIENT_CREATED, actor=member.user, agency=agency, target=project.client
        )
        rows = [
            agency,
            member,
            member.user,
            project,
            project.client,
            item,
            item.catalog_item,
            booking,
            booking.consultation_type,
            schedule,
            scan,
            group,
            audit_event,
            f.InvitationFactory(
                agency=agency, invited_by=member.user, token_hash=f"{SECRET_MARK}-{agency.slug}"
            ),
            f.ApiTokenFactory(
                agency=agency, membership=member, token_hash=f"{SECRET_MARK}-{agency.slug}-t"
            ),
            AgencyBrand.objects.create(agency=agency, accent_color="#1d4ed8", version="v1"),
            f.ClientContactFactory(agency=agency, client=project.client),
            f.EnvironmentFactory(agency=agency, project=project),
            f.AssignmentFactory(agency=agency, project=project, membership=member),
            f.ActivityFactory(agency=agency, project=project, item=item, actor=member.user),
            ProjectUserObjectPermission.objects.create(
                user=member.user, permission=grant, content_object=project
            ),
            ProjectGroupObjectPermission.objects.create(
                group=group, permission=grant, content_object=project
            ),
            f.EvidenceFactory(agency=agency, item=item, added_by=member.user),
            f.CommentFactory(agency=agency, item=item, author=member.user),
            f.ReadinessSnapshotFactory(agency=agency, project=project),
            f.ConsultationHostFactory(
                agency=agency, consultation_type=booking.consultation_type, membership=member
            ),
            f.WeeklyRangeFactory(agency=agency, schedule=schedule),
            f.DateOverrideFactory(agency=agency, schedule=schedule),
            f.BookingPolicyFactory(agency=agency),
            f.BookingEventFactory(agency=agency, booking=booking, actor=member.user),
            f.RepositoryAccessFactory(
                agency=agency, project=project, updated_by=member.user, token_encrypted=SECRET_MARK
            ),
            f.ScanFindingFactory(agency=agency, scan=scan),
            FindingTriage.objects.create(
                agency=agency,
                project=project,
                key=f"k-{agency.slug}",
                rule_id="testing.x",
                state="accepted_risk",
                reason="Agreed",
                decided_by=member.user,
                decided_at=scan.created_at,
            ),
            *_push_webhook_rows(agency, project, scan, member),
            PendingTask.objects.create(
                agency=agency, name="apps.bookings.tasks.send_booking_notifications", kwargs={}
            ),
            *_outbox_rows(agency, member),
            CatalogRelease.objects.create(
                version=100 + CatalogRelease.objects.count(), item_count=1
            ),
            EmailAddress.objects.get(user=member.user),
            Authenticator.objects.create(
                user=member.user, type="totp", data={"secret": SECRET_MARK}
            ),
            Site.objects.get_current(),
        ]
        if apps.is_installed("apps.privacy"):
            notice = apps.get_model("privacy", "PrivacyNotice")
            rows.append(
                notice.objects.create(
                    agency=agency,
                    contact_email="privacy@agency.test",
                    data_kept="Bookings.",
                    retention="12 months.",
                )
            )
        return {type(row): row for row in rows}

    return build
