"""Background work for agencies: the invitation email."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.agencies.models import Agency, Invitation
from apps.core import crypto
from apps.core.tenancy import tenant_context
from apps.core.tokens import hash_token

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),  # SMTP and socket errors are transient; bad data is not
    retry_backoff=True,
    retry_jitter=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_invitation_email(*, agency_id: str, invitation_id: str, sealed_token: str) -> bool:
    """Email the invitation link; at most one message per issued link, however often it runs.
    `sealed_token` is the link's token encrypted with the key ring (apps.core.crypto).

    Returns False when there is nothing to send: the invitation was resent (new link),
    accepted, revoked, or this link's message already went out (or the token cannot be read
    with any configured key, which is logged: the admin resends the invitation).
    """
    try:
        raw_token = crypto.decrypt(sealed_token)
    except crypto.InvalidToken:
        logger.warning("invitation %s: its sealed token cannot be read, not sent", invitation_id)
        return False
    agency = Agency.objects.get(pk=agency_id)
    with tenant_context(agency), transaction.atomic():
        invitation = (
            Invitation.objects.for_agency(agency)
            .select_for_update(of=("self",))
            .select_related("invited_by")
            .filter(pk=invitation_id, token_hash=hash_token(raw_token))
            .first()
        )
        if invitation is None or invitation.sent_at is not None or not invitation.is_pending:
            return False
        _deliver(invitation, agency, raw_token)
        invitation.sent_at = timezone.now()
        invitation.send_count += 1
        invitation.save(update_fields=["sent_at", "send_count", "updated_at"])
    logger.info("invitation %s emailed", invitation_id)
    return True


def _deliver(invitation: Invitation, agency: Agency, raw_token: str) -> None:
    context = {
        "agency": agency,
        "invitation": invitation,
        "inviter": invitation.invited_by,
        "accept_url": settings.SITE_URL + reverse("invitation_accept", args=[raw_token]),
    }
    subject = f"You're invited to join {agency.name} on Launchpad"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string("emails/invitation.html", context), "text/html")
    message.send()
