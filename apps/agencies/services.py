"""Writes for agencies: creating one, inviting people, roles, removal and API tokens.

Every function is keyword-only, atomic, validates before it saves and records the audit event
in the same transaction. The acting member is passed in as `actor` (a Membership); where there
is no agency to be a member of yet, the acting person is `user`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.agencies import branding, limits
from apps.agencies.hooks import invitation_issued, member_became_client, member_leaving
from apps.agencies.mfa_policy import has_authenticator
from apps.agencies.models import Agency, AgencyBrand, ApiToken, Invitation, Membership
from apps.agencies.roles import Capability, Role, require, role_can
from apps.audit.models import AuditEvent, Verb
from apps.audit.services import audit_record
from apps.core.access import lock_own
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.ratelimit import RateLimitedError
from apps.core.tenancy import cross_agency, tenant_context
from apps.core.tokens import hash_token, new_token

API_TOKEN_PREFIX = "lp_"  # noqa: S105 - a public prefix, not a secret


# --- Agencies -----------------------------------------------------------------------------


@transaction.atomic
def agency_create(*, user: User, name: str, slug: str, time_zone: str = "UTC") -> Agency:
    """Create an agency with `user` as its first owner."""
    agency = Agency(name=name.strip(), slug=slug.strip().lower(), time_zone=time_zone)
    agency.full_clean()
    try:
        with transaction.atomic():
            agency.save()
    except IntegrityError:
        # Two sign-ups racing for one address: the unique index decides, the loser hears why.
        raise ValidationError(
            {"slug": "That address was just taken; choose another."}, code="unique"
        ) from None
    # The new agency's first rows are written in its own scope (row-level security).
    with tenant_context(agency):
        membership = Membership(agency=agency, user=user, role=Role.OWNER)
        membership.full_clean()
        membership.save()
        audit_record(
            verb=Verb.AGENCY_CREATED,
            actor=user,
            agency=agency,
            target=agency,
            changes={"name": name, "slug": agency.slug},
        )
    return agency


@transaction.atomic
def agency_update(*, actor: Membership, agency: Agency, name: str, time_zone: str) -> Agency:
    require(actor, Capability.MANAGE_AGENCY)
    changes = {}
    for field, value in (("name", name.strip()), ("time_zone", time_zone)):
        old = getattr(agency, field)
        if old != value:
            changes[field] = [old, value]
            setattr(agency, field, value)
    if not changes:
        return agency
    agency.full_clean()
    agency.save(update_fields=[*changes, "updated_at"])
    audit_record(
        verb=Verb.AGENCY_UPDATED, actor=actor.user, agency=agency, target=agency, changes=changes
    )
    return agency


@transaction.atomic
def agency_brand_update(
    *,
    actor: Membership,
    agency: Agency,
    accent_color: str,
    logo: bytes | None = None,
    remove_logo: bool = False,
) -> AgencyBrand:
    """The booking pages' accent colour and logo. The logo is decoded, bounded and re-encoded
    here (apps.agencies.branding); whatever else the upload held is never kept."""
    require(actor, Capability.MANAGE_AGENCY)
    if actor.agency_id != agency.pk:
        raise ApplicationError("Not found.", code="not_found", status=404)
    errors = {}
    try:
        accent = branding.clean_accent(accent_color)
    except ValidationError as exc:
        errors["accent_color"] = exc.messages
    kept = None
    if logo is not None and not remove_logo:
        try:
            kept = branding.clean_logo(logo)
        except ValidationError as exc:
            errors["logo"] = exc.messages
    if errors:
        raise ValidationError(errors)
    brand = AgencyBrand.objects.for_agency(agency).select_for_update().first() or AgencyBrand(
        agency=agency
    )
    changes: dict[str, Any] = {}
    if brand.accent_color != accent:
        changes["accent_color"] = [brand.accent_color, accent]
        brand.accent_color = accent
    if remove_logo and brand.has_logo:
        brand.logo, brand.logo_width, brand.logo_height = None, 0, 0
        changes["logo"] = "removed"
    elif kept is not None:
        changes["logo"] = "replaced" if brand.has_logo else "added"
        brand.logo, brand.logo_width, brand.logo_height = kept
    if not changes:
        return brand
    brand.version = branding.version_of(brand.logo, brand.accent_color)
    brand.save()
    audit_record(
        verb=Verb.AGENCY_UPDATED, actor=actor.user, agency=agency, target=agency, changes=changes
    )
    return brand


@transaction.atomic
def agency_set_mfa_policy(*, actor: Membership, agency: Agency, require_mfa: bool) -> Agency:
    """Require two-factor authentication of every member, or stop requiring it. Whoever turns
    it on must have enrolled: otherwise the next page would send them away to do it."""
    require(actor, Capability.MANAGE_AGENCY)
    if actor.agency_id != agency.pk:
        # Another agency is refused as missing, as the tenant door refuses it.
        raise ApplicationError("Not found.", code="not_found", status=404)
    if require_mfa and not has_authenticator(actor.user):
        raise ValidationError(
            {
                "require_mfa": "Set up two-factor authentication for your own account first "
                "(under Two-factor authentication in your account menu), then require it."
            },
            code="actor_not_enrolled",
        )
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.require_mfa == require_mfa:
        return agency
    changes = {"require_mfa": [agency.require_mfa, require_mfa]}
    agency.require_mfa = require_mfa
    agency.full_clean()
    agency.save(update_fields=["require_mfa", "updated_at"])
    audit_record(
        verb=Verb.MFA_POLICY_CHANGED,
        actor=actor.user,
        agency=agency,
        target=agency,
        changes=changes,
    )
    return agency


# --- Invitations --------------------------------------------------------------------------


def _assert_may_grant(actor: Membership, role: str) -> None:
    if role == Role.OWNER:
        require(actor, Capability.MANAGE_OWNERS)
    else:
        require(actor, Capability.MANAGE_AGENCY)


def _invitation_issued(invitation: Invitation, raw_token: str) -> None:
    """The email that carries the link, and its follow-ups, are the notifications app's
    deliveries, written by its receiver in this transaction (so a broker outage neither
    fails the invitation nor loses its email)."""
    invitation_issued.fire(invitation=invitation, raw_token=raw_token)


@transaction.atomic
def invitation_create(
    *, actor: Membership, email: str, role: str, client: Model | None = None
) -> tuple[Invitation, str]:
    """Invite `email` to the actor's agency; returns the invitation and its one-time token.
    A client contact's invitation names their client; accepting links them to it."""
    agency = actor.agency
    _assert_may_grant(actor, role)
    if role == Role.CLIENT and client is None:
        # A contact linked to no client would see no engagement and could never be fixed
        # by accepting: they are invited from their company's page, which names it.
        raise ValidationError(
            {"role": "Invite a client contact from their company's page (Clients), so that "
                     "they see that company's engagements."}
        )  # fmt: skip
    email = email.strip().lower()
    if Membership.objects.for_agency(agency).filter(user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member of the agency."})
    # An expired invitation still holds the address's slot; retire it so a new one can go out.
    Invitation.objects.for_agency(agency).filter(
        email=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__lte=timezone.now(),
    ).update(revoked_at=timezone.now())
    raw, digest = new_token()
    now = timezone.now()
    invitation = Invitation(
        agency=agency,
        email=email,
        role=role,
        token_hash=digest,
        invited_by=actor.user,
        # Typed as a Model: clients sits above agencies, so its Client cannot be imported here.
        client=client,  # type: ignore[misc]
        expires_at=now + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    invitation.full_clean(exclude=["token_hash"])
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ValidationError(
            {"email": "An invitation to this address is already open; resend it instead."},
            code="unique",
        ) from None
    audit_record(
        verb=Verb.INVITATION_CREATED,
        actor=actor.user,
        agency=agency,
        target=invitation,
        changes={"email": email, "role": role},
    )
    _invitation_issued(invitation, raw)
    return invitation, raw


_RESEND_WINDOW = timedelta(hours=24)


def _refuse_past_resend_limit(invitation: Invitation) -> None:
    """Resends are counted from the audit trail (no schema change, and the count survives a
    cache flush); the invitation row is locked, so two racing resends count one another. Each
    resend mails the address, so this keeps a compromised or careless account from using the
    agency to flood someone's inbox."""
    limit = settings.INVITATION_RESENDS_PER_DAY
    now = timezone.now()
    recent = list(
        AuditEvent.objects.for_agency(invitation.agency)
        .filter(
            verb=Verb.INVITATION_RESENT,
            target_type=invitation._meta.label_lower,
            target_id=str(invitation.pk),
            created_at__gt=now - _RESEND_WINDOW,
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) >= limit:
        retry_after = recent[-1] + _RESEND_WINDOW - now
        raise RateLimitedError(
            f"This invitation was resent {limit} times in the last 24 hours, the most we send. "
            f"You can send it again in {max(1, -(-int(retry_after.total_seconds()) // 3600))} "
            "hours; the last link we sent still works until then.",
            retry_after=int(retry_after.total_seconds()),
            code="resend_limit",
        )


@transaction.atomic
def invitation_resend(*, actor: Membership, invitation: Invitation) -> tuple[Invitation, str]:
    """Send a fresh link (the old one stops working) and restart the expiry clock; at most
    INVITATION_RESENDS_PER_DAY times in 24 hours per invitation."""
    _assert_may_grant(actor, invitation.role)
    invitation = lock_own(Invitation.objects.all(), agency=actor.agency, pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ApplicationError(
            f"This invitation was already {invitation.get_status_display().lower()}.",
            code="invitation_closed",
        )
    _refuse_past_resend_limit(invitation)
    raw, digest = new_token()
    invitation.token_hash = digest
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS)
    invitation.sent_at = None
    invitation.save(update_fields=["token_hash", "expires_at", "sent_at", "updated_at"])
    audit_record(
        verb=Verb.INVITATION_RESENT,
        actor=actor.user,
        agency=invitation.agency,
        target=invitation,
        changes={"email": invitation.email},
    )
    _invitation_issued(invitation, raw)
    return invitation, raw


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    _assert_may_grant(actor, invitation.role)
    invitation = lock_own(Invitation.objects.all(), agency=actor.agency, pk=invitation.pk)
    if invitation.accepted_at:
        raise ApplicationError(
            "This invitation was already accepted; remove the member instead.",
            code="invitation_closed",
        )
    if invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        verb=Verb.INVITATION_REVOKED,
        actor=actor.user,
        agency=invitation.agency,
        target=invitation,
        changes={"email": invitation.email},
    )
    return invitation


class InvitationInvalidError(ApplicationError):
    """The link is unknown, used, revoked or expired: nothing happened."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code, status=410 if code != "invitation_unknown" else 404)


def invitation_for_token(*, raw_token: str) -> Invitation:
    """The invitation a link stands for, with a clear reason when it no longer works."""
    try:
        # The link is the authority that names the agency, like an API token.
        with cross_agency("invitation link"):
            invitation = Invitation.objects.select_related("agency", "invited_by").get(
                token_hash=hash_token(raw_token)
            )
    except Invitation.DoesNotExist:
        raise InvitationInvalidError(
            "This invitation link is not valid. Ask the agency to send you a new one.",
            code="invitation_unknown",
        ) from None
    _raise_unless_pending(invitation)
    return invitation


def _raise_unless_pending(invitation: Invitation) -> None:
    status = invitation.status
    if status == Invitation.Status.ACCEPTED:
        raise InvitationInvalidError(
            "This invitation has already been used. Sign in to reach the agency.",
            code="invitation_used",
        )
    if status == Invitation.Status.REVOKED:
        raise InvitationInvalidError(
            "This invitation was withdrawn by the agency.", code="invitation_revoked"
        )
    if status == Invitation.Status.EXPIRED:
        raise InvitationInvalidError(
            "This invitation has expired. Ask the agency to send you a new one.",
            code="invitation_expired",
        )


@transaction.atomic
def invitation_accept(*, user: User, invitation: Invitation) -> Membership:
    """Join the agency. The user must own the invited address, verified: either they followed
    the emailed link or they signed in with that address, which proves the same thing."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("agency")
        .get(pk=invitation.pk)
    )
    # Checked under the lock: of two concurrent accepts of one link, the second finds it used.
    _raise_unless_pending(invitation)
    owns_address = EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()
    if not owns_address:
        raise ApplicationError(
            f"This invitation is for {invitation.email}. Sign in with that address "
            "(verified) to accept it.",
            code="invitation_wrong_account",
            status=403,
        )
    agency = invitation.agency
    if Membership.objects.for_agency(agency).filter(user=user).exists():
        raise ApplicationError(f"You are already a member of {agency.name}.", code="already_member")
    membership = Membership(
        agency=agency, user=user, role=invitation.role, client_id=invitation.client_id
    )
    membership.full_clean()
    membership.save()
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_record(
        verb=Verb.INVITATION_ACCEPTED,
        actor=user,
        agency=agency,
        target=invitation,
        changes={"role": invitation.role},
    )
    audit_record(
        verb=Verb.MEMBER_JOINED,
        actor=user,
        agency=agency,
        target=membership,
        target_repr=user.email,
        changes={"role": invitation.role},
    )
    return membership


# --- Members ------------------------------------------------------------------------------


def _recheck_actor(actor: Membership, capability: Capability) -> None:
    """Re-read the actor's role inside the locked section: a concurrent change may have
    demoted or removed them since their request began."""
    role = (
        Membership.objects.for_agency(actor.agency)
        .filter(pk=actor.pk)
        .values_list("role", flat=True)
        .first()
    )
    if role is None or not role_can(role, capability):
        raise PermissionDeniedError


def _lock_owners(agency: Agency) -> list[Membership]:
    """Lock every owner row so two concurrent demotions cannot both see a second owner."""
    return list(
        Membership.objects.for_agency(agency)
        .select_for_update()
        .filter(role=Role.OWNER)
        .order_by("pk")
    )


@transaction.atomic
def membership_change_role(*, actor: Membership, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"“{role}” is not a role."})
    agency = actor.agency
    if membership.agency_id != agency.pk:
        raise ApplicationError("That member is not in this agency.", code="not_found", status=404)
    needed = (
        Capability.MANAGE_OWNERS
        if Role.OWNER in (role, membership.role)
        else Capability.MANAGE_AGENCY
    )
    require(actor, needed)
    owners = _lock_owners(agency)
    _recheck_actor(actor, needed)
    membership = lock_own(
        Membership.objects.select_related("user"), agency=agency, pk=membership.pk
    )
    old = membership.role
    if old == role:
        return membership
    if old == Role.OWNER and len(owners) <= 1:
        raise ApplicationError(
            "An agency needs at least one owner. Make someone else an owner first.",
            code="last_owner",
        )
    membership.role = role
    if role != Role.CLIENT:
        membership.client = None
    if role == Role.CLIENT:
        # A client contact works on nothing: their engagement grants go with the change.
        member_became_client.fire(membership=membership)
    membership.full_clean()
    membership.save(update_fields=["role", "client", "updated_at"])
    audit_record(
        verb=Verb.MEMBER_ROLE_CHANGED,
        actor=actor.user,
        agency=agency,
        target=membership,
        target_repr=membership.user.email,
        changes={"role": [old, role]},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: Membership, membership: Membership) -> None:
    """Remove a member (or leave, when actor and member are the same). Tokens go with it."""
    agency = actor.agency
    if membership.agency_id != agency.pk:
        raise ApplicationError("That member is not in this agency.", code="not_found", status=404)
    leaving = membership.pk == actor.pk
    needed = Capability.MANAGE_OWNERS if membership.role == Role.OWNER else Capability.MANAGE_AGENCY
    if not leaving:
        require(actor, needed)
    owners = _lock_owners(agency)
    if not leaving:
        _recheck_actor(actor, needed)
    membership = lock_own(
        Membership.objects.select_related("user", "agency"), agency=agency, pk=membership.pk
    )
    if membership.role == Role.OWNER and len(owners) <= 1:
        raise ApplicationError(
            "An agency needs at least one owner. Make someone else an owner first.",
            code="last_owner",
        )
    # The apps above clean up after the member, or refuse (raising): then nothing below runs
    # and the transaction takes back whatever an earlier receiver did.
    member_leaving.fire(membership=membership)
    audit_record(
        verb=Verb.MEMBER_REMOVED,
        actor=actor.user,
        agency=agency,
        target=membership,
        target_repr=membership.user.email,
        changes={"role": membership.role, "left": leaving},
    )
    membership.delete()


# --- API tokens ---------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, actor: Membership, name: str, expires_in_days: int) -> tuple[ApiToken, str]:
    """A token acting as `actor` in their agency only. The raw value is returned once."""
    require(actor, Capability.MANAGE_OWN_DATA)
    if not 1 <= expires_in_days <= limits.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {"expires_in_days": f"Choose between 1 and {limits.API_TOKEN_MAX_DAYS} days."}
        )
    raw, digest = new_token(API_TOKEN_PREFIX)
    token = ApiToken(
        agency=actor.agency,
        membership=actor,
        name=name.strip(),
        prefix=raw[: len(API_TOKEN_PREFIX) + 6],
        token_hash=digest,
        expires_at=timezone.now() + timedelta(days=expires_in_days),
    )
    token.full_clean(exclude=["token_hash", "prefix"])
    token.save()
    audit_record(
        verb=Verb.API_TOKEN_CREATED,
        actor=actor.user,
        agency=actor.agency,
        target=token,
        changes={"name": token.name, "expires_at": token.expires_at.isoformat()},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Membership, token: ApiToken) -> ApiToken:
    if token.membership_id != actor.pk:
        require(actor, Capability.MANAGE_AGENCY)
    token = lock_own(ApiToken.objects.all(), agency=actor.agency, pk=token.pk)
    if token.revoked_at:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        verb=Verb.API_TOKEN_REVOKED,
        actor=actor.user,
        agency=actor.agency,
        target=token,
        changes={"name": token.name},
    )
    return token


def api_token_touch(*, token: ApiToken) -> None:
    now = timezone.now()
    if (
        token.last_used_at
        and (now - token.last_used_at).total_seconds() < limits.TOKEN_TOUCH_INTERVAL
    ):
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


# --- Privacy: erasure and retention (called by apps.privacy) --------------------------------


def invitations_redact(*, invitations: QuerySet[Invitation], email: str) -> int:
    """Account deletion: invitations sent to the person keep their history (who invited,
    when, accepted or not) with `email`, a placeholder, as the address. Open ones are
    withdrawn first: a deleted person can accept nothing, and two open invitations to the
    one placeholder would break the one-open-per-address rule."""
    ids = list(invitations.values_list("pk", flat=True))
    still_open = Q(accepted_at__isnull=True, revoked_at__isnull=True)
    Invitation.objects.filter(still_open, pk__in=ids).update(revoked_at=timezone.now())
    return Invitation.objects.filter(pk__in=ids).update(email=email)


def invitations_purge(*, agency: Agency, before: datetime) -> int:
    """Retention of sent mail: an invitation is the record of an email sent to an address.
    Those accepted, withdrawn or expired before `before` go; open ones stay."""
    closed = Q(accepted_at__lt=before) | Q(revoked_at__lt=before) | Q(expires_at__lt=before)
    deleted, _ = Invitation.objects.for_agency(agency).filter(closed).delete()
    return deleted
