"""Signed links for bookers: manage (cancel, reschedule) a booking without an account, and
confirm it from the email where the agency asks for that."""

from __future__ import annotations

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "launchpad.bookings.manage"
# Long enough for any booking window plus the meeting itself; a link older than this is
# refused even if its signature is good.
MAX_AGE = 60 * 60 * 24 * 400


class BadManageLinkError(Exception):
    """The link was tampered with, or is too old."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def manage_token(booking) -> str:
    return signing.dumps({"b": str(booking.pk)}, salt=_SALT)


def booking_id_from_token(token: str) -> str:
    try:
        data = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise BadManageLinkError(
            "This link has expired. Reply to your confirmation email instead."
        ) from None
    except signing.BadSignature:
        raise BadManageLinkError(
            "This link is not valid. Use the link in your confirmation email, exactly as sent."
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("b"), str):
        raise BadManageLinkError("This link is not valid.")
    return data["b"]


# The code in the confirmation link (where the agency asks bookers to confirm by email). It
# travels only in that email: the manage token, which the booking API also answers with, is
# not enough to confirm, so whoever confirms has read the mailbox.
_CONFIRM_SALT = "launchpad.bookings.confirm"


def confirm_code(booking) -> str:
    return salted_hmac(_CONFIRM_SALT, str(booking.pk), algorithm="sha256").hexdigest()


def confirm_code_matches(booking, code: str) -> bool:
    return constant_time_compare(confirm_code(booking), code)
