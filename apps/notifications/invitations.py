"""Invitations nobody answered: a reminder to the invitee three days after the link was
issued (once per link), and a notice to the inviter when the invitation expires. Written
when the link is issued (the agencies hook `invitation_issued`); each renderer looks at the
invitation when sending and drops the message once it was accepted, revoked or replaced."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from apps.agencies.hooks import invitation_issued
from apps.agencies.models import Invitation
from apps.core import crypto
from apps.core.tokens import hash_token
from apps.notifications import kinds, render, services
from apps.notifications.models import Channel, Delivery

REMIND_AFTER = timedelta(days=3)
REMINDER = "invitation.reminder"
EXPIRED = "invitation.expired"


def schedule_follow_ups(*, invitation: Invitation, raw_token: str) -> None:
    """Receiver of `invitation_issued`: a resend replaces the link, so the old link's
    follow-ups are dropped and the new link's written."""
    services.drop(
        agency=invitation.agency, subject=invitation, kinds=[REMINDER, EXPIRED],
        reason="the invitation was sent again with a new link",
    )  # fmt: skip
    link = invitation.token_hash[:16]
    reminder_at = timezone.now() + REMIND_AFTER
    if reminder_at < invitation.expires_at:
        services.schedule(
            agency=invitation.agency, kind=REMINDER, channel=Channel.EMAIL,
            dedupe_key=f"invitation:{invitation.pk}:reminder:{link}", due_at=reminder_at,
            audience="invitee", subject=invitation,
            payload={"sealed_token": crypto.encrypt(raw_token)},
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


def reminder_email(row: Delivery) -> kinds.Email:
    invitation = _invitation(row)
    if not invitation.is_pending:
        raise kinds.Drop("the invitation expired")
    try:
        raw = crypto.decrypt(row.payload.get("sealed_token", ""))
    except crypto.InvalidToken:
        raise kinds.Undeliverable("the link's sealed token cannot be read") from None
    if hash_token(raw) != invitation.token_hash:
        raise kinds.Drop("the link was replaced")
    agency = invitation.agency
    return render.email(
        to=invitation.email,
        subject=f"Reminder: you're invited to join {agency.name} on Launchpad",
        template="notifications/email/invitation_reminder",
        context={
            "agency_name": agency.name,
            "invitation": invitation,
            "inviter": invitation.invited_by,
            "accept_url": render.absolute(reverse("invitation_accept", args=[raw])),
            "expires": render.local(invitation.expires_at, "UTC"),
        },
    )


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
