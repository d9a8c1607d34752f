"""What checklist work tells people and other systems, through the outbox: @mentions in
comments (members of the engagement only), the digest's sections (items due and overdue,
sign-offs waiting), and the `checklist_item.changed` and `signoff.recorded` webhook events."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from apps.agencies.models import Membership
from apps.checklists.models import Comment, ItemStatus, ProjectItem
from apps.notifications import digest, endpoints, kinds, render, services
from apps.notifications.models import Delivery
from apps.projects.models import Project
from apps.projects.permissions import can_comment_on

MENTION = "checklist.mention"
# "@ada" (the part of the address before the @) or "@ada@example.com" (the whole address).
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")
MAX_MENTIONS = 20


def _item_url(item: ProjectItem) -> str:
    return reverse("item_detail", args=[item.project.agency.slug, item.project_id, item.pk])


def mentioned(comment: Comment, *, author: Membership) -> list[Membership]:
    """Members of the engagement named in the comment: those who may read and comment on it,
    by the whole address or the part before the @; nobody else, and not the author."""
    handles = {h.lower() for h in _MENTION.findall(comment.body)[:MAX_MENTIONS]}
    if not handles:
        return []
    project = comment.item.project
    members = (
        Membership.objects.for_agency(project.agency)
        .filter(user__is_active=True)
        .exclude(user_id=author.user_id)
        .select_related("user", "agency")
    )
    found = []
    for member in members:
        email = member.user.email.lower()
        if (email in handles or email.split("@", 1)[0] in handles) and can_comment_on(
            member, project
        ):
            found.append(member)
    return found


def comment_posted(comment: Comment, *, author: Membership) -> None:
    for member in mentioned(comment, author=author):
        services.notify(
            agency=author.agency, kind=MENTION, user=member.user, subject=comment,
            dedupe_key=f"comment:{comment.pk}:mention:{member.user_id}",
        )  # fmt: skip


def _comment(row: Delivery) -> Comment:
    return render.subject(row, Comment, "item__project__agency", "author")


def _mention_text(row: Delivery) -> tuple[Comment, str, str]:
    comment = _comment(row)
    who = comment.author.display_name if comment.author else "Someone"
    return comment, f"{who} mentioned you on “{comment.item.title}”", _item_url(comment.item)


def mention_email(row: Delivery) -> kinds.Email:
    comment, title, url = _mention_text(row)
    return render.email(
        to=render.person_email(row), subject=title, template="checklists/email/mention",
        context={"comment": comment, "title": title, "url": render.absolute(url),
                 "agency_name": comment.item.project.agency.name},
    )  # fmt: skip


def mention_in_app(row: Delivery) -> kinds.InApp:
    comment, title, url = _mention_text(row)
    return kinds.InApp(title=title, body=comment.body[:300], url=url)


def items_changed(
    project: Project, changed: list[tuple[ProjectItem, list[tuple[str, object, object]]]]
) -> None:
    """One `checklist_item.changed` event per item changed (a bulk change too)."""
    endpoints.emit_many(
        agency=project.agency, event="checklist_item.changed",
        events=[(item, {"item": _item_data(item), "changes": {
            field: {"old": _plain(old), "new": _plain(new)} for field, old, new in changes
        }}) for item, changes in changed],
    )  # fmt: skip


def signed_off(item: ProjectItem) -> None:
    items_signed_off(item.project, [item])


def items_signed_off(project: Project, items: list[ProjectItem]) -> None:
    """One `signoff.recorded` event per item signed off (several from the portal at once)."""
    endpoints.emit_many(
        agency=project.agency, event="signoff.recorded",
        events=[(item, {"item": _item_data(item), "signed_off_by": item.signed_off_by.display_name
                        if item.signed_off_by else None}) for item in items],
    )  # fmt: skip


def _plain(value: object) -> object:
    if isinstance(value, Membership):
        return {"id": str(value.pk), "name": value.user.display_name}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _item_data(item: ProjectItem) -> dict:
    return {
        "id": str(item.pk), "key": item.key, "title": item.title, "status": item.status,
        "engagement": str(item.project_id), "due_date": _plain(item.due_date),
        "signed_off_at": _plain(item.signed_off_at),
    }  # fmt: skip


# --- The digest's sections -----------------------------------------------------------------


def _due_section(member: Membership, _since: datetime, now: datetime) -> digest.Section | None:
    if member.role == "client":
        return None
    today = timezone.localtime(now, digest.zone_of(member.user)).date()
    items = (
        ProjectItem.objects.for_agency(member.agency)
        .open()
        .filter(assignee=member, due_date__isnull=False, due_date__lte=today + timedelta(days=2))
        .select_related("project__agency")
        .order_by("due_date", "title")[:50]
    )
    lines = [
        digest.Line(
            text=f"{item.title} ({item.project.name})",
            url=_item_url(item),
            note=_due_note(item.due_date, today),
        )
        for item in items
    ]
    return digest.Section(title="Your checklist items due soon or overdue", lines=lines)


def _due_note(due: date | None, today: date) -> str:
    if due is None:
        return ""
    if due < today:
        return f"overdue since {due:%-d %B}"
    return "due today" if due == today else f"due {due:%A}"


def _signoff_section(member: Membership, _since: datetime, _now: datetime) -> digest.Section | None:
    if member.role != "client" or member.client_id is None:
        return None
    items = (
        ProjectItem.objects.for_agency(member.agency)
        .current()
        .filter(
            project__client_id=member.client_id, status=ItemStatus.DONE, signed_off_at__isnull=True
        )
        .select_related("project__agency")
        .order_by("project__name", "title")[:50]
    )
    lines = [digest.Line(text=f"{i.title} ({i.project.name})", url=_item_url(i)) for i in items]
    return digest.Section(title="Finished work waiting for your sign-off", lines=lines)


def register() -> None:
    kinds.register(
        kinds.Kind(
            key=MENTION, label="Someone mentioned me in a comment",
            email=mention_email, in_app=mention_in_app,
        )
    )  # fmt: skip
    digest.register_section(_due_section)
    digest.register_section(_signoff_section)
