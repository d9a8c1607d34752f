"""The kinds this app renders itself: the daily digest and an endpoint switched off."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from apps.agencies.models import Membership
from apps.notifications import digest, kinds, render
from apps.notifications.models import Delivery, WebhookEndpoint


def _endpoint(row: Delivery) -> WebhookEndpoint:
    endpoint = render.subject(row, WebhookEndpoint)
    if endpoint.is_active:
        raise kinds.Drop("the endpoint was switched back on")
    return endpoint


def _endpoint_url(row: Delivery) -> str:
    return render.absolute(reverse("webhook_list", args=[row.agency.slug]))


def webhook_disabled_email(row: Delivery) -> kinds.Email:
    endpoint = _endpoint(row)
    return render.email(
        to=render.person_email(row), subject=f"Webhook switched off: {endpoint.url}",
        template="notifications/email/webhook_disabled",
        context={"endpoint": endpoint, "agency_name": row.agency.name, "url": _endpoint_url(row)},
    )  # fmt: skip


def webhook_disabled_in_app(row: Delivery) -> kinds.InApp:
    endpoint = _endpoint(row)
    return kinds.InApp(
        title=f"Webhook switched off: {endpoint.url}",
        body=endpoint.disabled_reason,
        url=reverse("webhook_list", args=[row.agency.slug]),
    )


def digest_email(row: Delivery) -> kinds.Email:
    now = timezone.now()
    if now - row.due_at > digest.STALE_AFTER:
        raise kinds.Drop("too late for this morning's digest; the next one is planned")
    membership = (
        Membership.objects.for_agency(row.agency)
        .select_related("user", "agency")
        .filter(pk=row.subject_id, user=row.user)
        .first()
    )
    if membership is None:
        raise kinds.Drop("no longer a member of the agency")
    sections = digest.sections_for(membership, now=now)
    if not sections:
        raise kinds.Drop("nothing to tell today")
    count = sum(len(section.lines) for section in sections)
    return render.email(
        to=membership.user.email,
        subject=f"{membership.agency.name}: {count} thing{'s' if count != 1 else ''} for you today",
        template="notifications/email/digest",
        context={
            "sections": sections,
            "agency_name": membership.agency.name,
            "person": membership.user,
            "day": row.payload.get("date", ""),
        },
    )


def register_all() -> None:
    kinds.register(
        kinds.Kind(
            key="webhook.disabled",
            label="A webhook endpoint was switched off",
            description="When every delivery to one of the agency's endpoints failed for a day.",
            email=webhook_disabled_email,
            in_app=webhook_disabled_in_app,
            audiences=frozenset({"staff"}),
        )
    )
    kinds.register(
        kinds.Kind(
            key=digest.KIND,
            label="Daily digest",
            description="At 08:00 your time: items due or overdue, failed scans, sign-offs "
            "waiting for you. Not sent on a day with nothing to tell.",
            email=digest_email,
        )
    )
