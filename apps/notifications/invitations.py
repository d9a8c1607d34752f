"""The invitation's own email, a reminder to the invitee three days after the link was
issued (once per link), and a notice to the inviter when the invitation expires. All three
are written when the link is issued (the agencies hook `invitation_issued`), in the
service's transaction; each renderer looks at the invitation when sending and drops the
message once it was accepted, revoked or replaced.

The link's token travels sealed with the key ring (apps.core.crypto) in the delivery's
payload: neither the row nor the broker's message holds a token that accepts the invitation.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from apps.agencies.hooks import invitation_issued
from apps.agencies.models import Agency, Invitation
from apps.core import crypto
from apps.core.tenancy import tenant_context
from apps.core.tokens import hash_token
from apps.notifications import kinds, render, services
from apps.notifications.models import Channel, Delivery

REMIND_AFTER = timedelta(days=3)
INVITATION = "invitation.sent"
REMINDER = "invitation.reminder"
EXPIRED = "invitation.expired"


def schedule_follow_ups(*, invitation: Invitation, raw_token: str) -> None:
    """Receiver of `invitation_issued`: a resend replaces the link, so the old link's
    follow-ups are dropped and the new link's written."""
    services.drop(
        agency=invitation.agency, subject=invitation, kinds=[INVITATION, REMINDER, EXPIRED],
        reason="the invitation was sent again with a new link",
    )  # fmt: skip
    link = invitation.token_hash[:16]
    sealed = {"sealed_token": crypto.encrypt(raw_token)}
    services.schedule(
        agency=invitation.agency, kind=INVITATION, channel=Channel.EMAIL,
        dedupe_key=f"invitation:{invitation.pk}:sent:{link}", audience="invitee",
        subject=invitation, payload=sealed,
    )  # fmt: skip
    reminder_at = timezone.now() + REMIND_AFTER
    if reminder_at < invitation.expires_at:
        services.schedule(
            agency=invitation.agency, kind=REMINDER, channel=Channel.EMAIL,
            dedupe_key=f"invitation:{invitation.pk}:reminder:{link}", due_at=reminder_at,
            audience="invitee", subject=invitation, payload=sealed,
        )  # fmt: skip
    if invitation.invited_by is not None:
        services.notify(
            agency=invitation.agency, kind=EXPIRED, user=invitation.invited_by,
            subject=invitation, due_at=invitation.expires_at,
            dedupe_key=f"invitation:{invitation.pk}:expired:{link}",
        )  # fmt: skip


def _invitation(row: Delivery) -> Invitation:
    invitation = render.subject(row, Invitation, "agency", "invited_by")
    if invitation.accepted_at or invitation.revoked_at:
        raise kinds.Drop(f"the invitation was {invitation.get_status_display().lower()}")
    return invitation


def _open_link(row: Delivery) -> tuple[Invitation, str]:
    """The invitation and its link's raw token, while that link still accepts it."""
    invitation = _invitation(row)
    if not invitation.is_pending:
        raise kinds.Drop("the invitation expired")
    try:
        raw = crypto.decrypt(row.payload.get("sealed_token", ""))
    except crypto.InvalidToken:
        # Every key that could open it was retired: the admin sends the invitation again.
        raise kinds.Undeliverable("the link's sealed token cannot be read") from None
    if hash_token(raw) != invitation.token_hash:
        raise kinds.Drop("the link was replaced")
    return invitation, raw


def _invitee_email(invitation: Invitation, raw: str, *, subject: str, template: str) -> kinds.Email:
    return render.email(
        to=invitation.email,
        subject=subject,
        template=template,
        context={
            "agency_name": invitation.agency.name,
            "invitation": invitation,
            "inviter": invitation.invited_by,
            "accept_url": render.absolute(reverse("invitation_accept", args=[raw])),
            "expires": render.local(invitation.expires_at, "UTC"),
        },
    )


def invitation_email(row: Delivery) -> kinds.Email:
    """The link itself. Marks the invitation sent: in the delivery's transaction, so the
    mark stands only if the message went out."""
    invitation, raw = _open_link(row)
    now = timezone.now()
    # One conditional UPDATE: a resend committing meanwhile (new link, sent_at cleared)
    # makes it match nothing rather than mark the new link's email sent.
    marked = (
        Invitation.objects.for_agency(row.agency)
        .filter(pk=invitation.pk, token_hash=invitation.token_hash, sent_at__isnull=True)
        .update(sent_at=now, send_count=F("send_count") + 1, updated_at=now)
    )
    if not marked:
        raise kinds.Drop("this link's email already went out, or the link was replaced")
    return _invitee_email(
        invitation, raw,
        subject=f"You're invited to join {invitation.agency.name} on Launchpad",
        template="notifications/email/invitation",
    )  # fmt: skip


def reminder_email(row: Delivery) -> kinds.Email:
    invitation, raw = _open_link(row)
    return _invitee_email(
        invitation, raw,
        subject=f"Reminder: you're invited to join {invitation.agency.name} on Launchpad",
        template="notifications/email/invitation_reminder",
    )  # fmt: skip


def _expired(row: Delivery) -> Invitation:
    invitation = _invitation(row)
    if invitation.expires_at > timezone.now():
        raise kinds.Drop("the invitation was extended")
    return invitation


def _team_url(row: Delivery) -> str:
    return reverse("invitations", args=[row.agency.slug])


def expired_email(row: Delivery) -> kinds.Email:
    invitation = _expired(row)
    return render.email(
        to=render.person_email(row),
        subject=f"Your invitation to {invitation.email} expired",
        template="notifications/email/invitation_expired",
        context={
            "agency_name": invitation.agency.name,
            "invitation": invitation,
            "url": render.absolute(_team_url(row)),
        },
    )


def expired_in_app(row: Delivery) -> kinds.InApp:
    invitation = _expired(row)
    return kinds.InApp(
        title=f"Your invitation to {invitation.email} expired",
        body="Send it again from the invitations page if they still need access.",
        url=_team_url(row),
    )


def register() -> None:
    kinds.register(
        kinds.Kind(
            key=INVITATION, label="Invitations", optional=False,
            description="The invitation link (access mail: always sent).",
            email=invitation_email, audiences=frozenset(),
        )
    )  # fmt: skip
    kinds.register(
        kinds.Kind(
            key=REMINDER, label="Invitation reminders",
            description="To someone invited who has not answered after three days (once).",
            email=reminder_email, audiences=frozenset(),
        )
    )  # fmt: skip
    kinds.register(
        kinds.Kind(
            key=EXPIRED, label="An invitation I sent expired",
            email=expired_email, in_app=expired_in_app, audiences=frozenset({"staff"}),
        )
    )  # fmt: skip
    invitation_issued.connect(schedule_follow_ups)


@shared_task(name="apps.agencies.tasks.send_invitation_email")
def legacy_invitation_task(*, agency_id: str, invitation_id: str, sealed_token: str) -> bool:
    """The task the invitation email used before it moved onto the outbox. Messages of it
    still in the task outbox or the broker at the upgrade land here and become the
    invitation's delivery (the dedupe key keeps it to one). Remove in the next release."""
    try:
        raw_token = crypto.decrypt(sealed_token)
    except crypto.InvalidToken:
        return False
    agency = Agency.objects.get(pk=agency_id)
    with tenant_context(agency), transaction.atomic():
        invitation = (
            Invitation.objects.for_agency(agency)
            .filter(pk=invitation_id, token_hash=hash_token(raw_token), sent_at__isnull=True)
            .first()
        )
        if invitation is None:
            return False
        return services.schedule(
            agency=agency, kind=INVITATION, channel=Channel.EMAIL,
            dedupe_key=f"invitation:{invitation.pk}:sent:{invitation.token_hash[:16]}",
            audience="invitee", subject=invitation, payload={"sealed_token": sealed_token},
        )  # fmt: skip
