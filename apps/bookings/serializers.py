"""API representations of consultation types, slots and bookings, and the input serializers
for listing slots and bookings, booking, cancelling and rescheduling.

Times go out as ISO 8601 with their UTC offset: in the zone the request asked for (the
booker's, or `tz`), else in UTC ("Z"). Times coming in must carry an offset; they are
stored and compared in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import ReturnList

from apps.accounts.validators import validate_time_zone
from apps.agencies.models import Membership
from apps.agencies.serializers import UserSummarySerializer
from apps.bookings import limits
from apps.bookings.models import Booking, BookingEvent, ConsultationType
from apps.bookings.services import IDEMPOTENCY_KEY_PATTERN, Booker
from apps.bookings.slots import local_days_in_utc
from apps.bookings.tokens import manage_token
from apps.core.api import InputSerializer
from apps.core.forms import AgencySerializer
from apps.core.validators import InputDateField, InputDateTimeField
from apps.projects.profile import Framework, Platform

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
IDEMPOTENCY_KEY_MESSAGE = (
    "Send an Idempotency-Key header of 8 to 64 letters, digits, - or _ "
    "(a new UUID for each booking will do)."
)


# --- fields -----------------------------------------------------------------------------------


class ZonedDateTimeField(serializers.DateTimeField):
    """An instant written with the UTC offset of the zone named `time_zone` in the serializer
    context (the booker's, or the `tz` asked for), or in UTC without one."""

    def default_timezone(self):
        name = self.context.get("time_zone")
        return ZoneInfo(name) if name else UTC


class OffsetDateTimeField(InputDateTimeField):
    """An ISO 8601 date and time with its UTC offset, read as the instant in UTC. A bare
    local time means different instants in different zones, so it is refused; so is one
    too far from today (core.validators)."""

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2026-03-10T09:00:00-04:00.",
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        return super().to_internal_value(value).astimezone(UTC)


class TimeZoneField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("help_text", "An IANA time zone, e.g. America/New_York.")
        super().__init__(validators=[validate_time_zone], **kwargs)


# --- people and offers ------------------------------------------------------------------------


class MemberSummarySerializer(serializers.Serializer):
    """A host as the agency's own people see them."""

    id = serializers.UUIDField(read_only=True, help_text="The membership id.")
    name = serializers.CharField(source="user.display_name", read_only=True)


class PublicHostSerializer(serializers.Serializer):
    """A host as a booker sees them: the name only, never the email address."""

    id = serializers.UUIDField(read_only=True, help_text="The membership id.")
    name = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_name(self, member: Membership) -> str:
        return member.user.name or "Team member"


class OfferSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsultationType
        fields = ["id", "name", "slug", "duration_minutes"]
        read_only_fields = fields


class OfferSerializer(serializers.ModelSerializer):
    """A consultation type with its rules and its hosts (highest priority first)."""

    hosts = serializers.SerializerMethodField()

    class Meta:
        model = ConsultationType
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "duration_minutes",
            "interval_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "minimum_notice_minutes",
            "booking_window_days",
            "daily_cap",
            "location",
            "location_detail",
            "host_choice",
            "is_active",
            "hosts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MemberSummarySerializer(many=True))
    def get_hosts(self, offer: ConsultationType) -> ReturnList:
        hosts = MemberSummarySerializer([h.membership for h in offer.hosts.all()], many=True)
        # many=True makes a list serializer, whose data is a list; the stubs say a dict.
        return cast(ReturnList, hosts.data)


class PublicOfferSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsultationType
        fields = ["name", "slug", "description", "duration_minutes", "location", "host_choice"]
        read_only_fields = fields


# --- slots ------------------------------------------------------------------------------------


class SlotQuerySerializer(InputSerializer):
    """The booker's local days `from`..`to` (at most 62) in the zone `tz`."""

    to = InputDateField(help_text="The last day, YYYY-MM-DD, in `tz`.")
    tz = TimeZoneField(required=False, default="UTC")

    def get_fields(self):
        # `from` is a Python keyword, so it cannot be declared as a class attribute.
        fields = super().get_fields()
        first = InputDateField(help_text="The first day, YYYY-MM-DD, in `tz`.")
        return {"from": first, **fields}

    def validate(self, attrs):
        first, last = attrs["from"], attrs["to"]
        if last < first:
            raise serializers.ValidationError({"to": "Give a day on or after `from`."})
        if (last - first).days + 1 > limits.MAX_SLOT_DAYS:
            raise serializers.ValidationError(
                {"to": f"Ask for at most {limits.MAX_SLOT_DAYS} days at a time."}
            )
        return attrs


class SlotSerializer(serializers.Serializer):
    start = ZonedDateTimeField(help_text="In the booker's zone, with its offset.")
    end = ZonedDateTimeField()
    start_utc = serializers.DateTimeField(default_timezone=UTC)
    hosts = PublicHostSerializer(
        many=True,
        required=False,
        help_text="Who is free at this time (only when the booker picks the host).",
    )


class SlotDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="A day in the booker's zone.")
    slots = SlotSerializer(many=True)


class SlotListingSerializer(serializers.Serializer):
    time_zone = serializers.CharField()
    offer = PublicOfferSerializer()
    days = SlotDaySerializer(many=True, help_text="Every day asked for, in order; [] if none.")


# --- bookings: agency side --------------------------------------------------------------------


class ZoneQuerySerializer(InputSerializer):
    tz = TimeZoneField(
        required=False, default="UTC", help_text="Show times in this zone (default UTC)."
    )


class BookingFilterSerializer(AgencySerializer):
    """The booking list's query parameters. A value it does not know is a 400."""

    to = InputDateField(
        required=False, help_text="Meetings starting on or before this day (in `tz`)."
    )
    tz = TimeZoneField(
        required=False,
        default="UTC",
        help_text="The zone `from` and `to` are days of, and times are shown in (default UTC).",
    )
    status = serializers.ChoiceField(choices=Booking.Status.choices, required=False)
    host = serializers.PrimaryKeyRelatedField(
        queryset=Membership.objects.select_related("user"),
        pk_field=serializers.UUIDField(),
        required=False,
        help_text="Only this host's bookings (a membership id).",
    )

    def get_fields(self):
        fields = super().get_fields()
        first = InputDateField(
            required=False, help_text="Meetings starting on or after this day (in `tz`)."
        )
        return {"from": first, **fields}

    def validate(self, attrs):
        first, last, zone = attrs.get("from"), attrs.get("to"), attrs["tz"]
        if first and last and last < first:
            raise serializers.ValidationError({"to": "Give a day on or after `from`."})
        if first:
            attrs["start"] = local_days_in_utc(first, first, zone)[0]
        if last:
            attrs["end"] = local_days_in_utc(last, last, zone)[1]
        return attrs


class BookingSerializer(serializers.ModelSerializer):
    """One booking in the agency's list; everything here is loaded by the selector."""

    offer = OfferSummarySerializer(source="consultation_type", read_only=True)
    # Empty for a past booking whose host has since left the agency.
    host = MemberSummarySerializer(read_only=True, allow_null=True)
    start = ZonedDateTimeField(read_only=True)
    end = ZonedDateTimeField(read_only=True)
    compliance = serializers.ListField(
        child=serializers.ChoiceField(choices=Framework.choices), read_only=True
    )
    client = serializers.UUIDField(source="client_id", read_only=True, allow_null=True)
    project = serializers.UUIDField(source="project_id", read_only=True, allow_null=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "offer",
            "host",
            "start",
            "end",
            "status",
            "booker_name",
            "booker_email",
            "booker_company",
            "booker_time_zone",
            "prototype_url",
            "platform",
            "expected_users",
            "compliance",
            "notes",
            "reschedule_count",
            "cancelled_at",
            "cancel_reason",
            "client",
            "project",
            "created_at",
        ]
        read_only_fields = fields


class BookingEventSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    old_start = ZonedDateTimeField(read_only=True, allow_null=True)
    new_start = ZonedDateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = BookingEvent
        fields = ["kind", "by_booker", "actor", "old_start", "new_start", "reason", "created_at"]
        read_only_fields = fields


class BookingDetailSerializer(BookingSerializer):
    """One booking with its history, oldest event first."""

    events = BookingEventSerializer(many=True, read_only=True)

    class Meta(BookingSerializer.Meta):
        fields = [*BookingSerializer.Meta.fields, "consent_at", "events"]
        read_only_fields = fields


class CancelSerializer(InputSerializer):
    reason = serializers.CharField(
        max_length=limits.REASON_MAX_LENGTH,
        help_text="Why: sent to the other side with the cancellation.",
    )


class RescheduleSerializer(InputSerializer):
    start = OffsetDateTimeField(help_text="The new start, ISO 8601 with its UTC offset.")
    reason = serializers.CharField(
        max_length=limits.REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


# --- bookings: public side --------------------------------------------------------------------


class PublicBookingCreateSerializer(AgencySerializer):
    """The booking form. The `Idempotency-Key` header (in the context as `idempotency_key`)
    is checked here too, so that every problem is reported at once."""

    start = OffsetDateTimeField(help_text="One of the slot starts, with its UTC offset.")
    time_zone = TimeZoneField(help_text="The booker's IANA time zone, e.g. America/New_York.")
    name = serializers.CharField(max_length=limits.BOOKER_NAME_MAX_LENGTH)
    email = serializers.EmailField(max_length=limits.BOOKER_EMAIL_MAX_LENGTH)
    company = serializers.CharField(
        max_length=limits.BOOKER_COMPANY_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    prototype_url = serializers.URLField(
        max_length=limits.PROTOTYPE_URL_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    platform = serializers.ChoiceField(
        choices=Platform.choices, required=False, allow_blank=True, default=""
    )
    expected_users = serializers.IntegerField(
        min_value=0,
        max_value=limits.MAX_EXPECTED_USERS,
        required=False,
        allow_null=True,
        default=None,
    )
    compliance = serializers.ListField(
        child=serializers.ChoiceField(choices=Framework.choices),
        max_length=len(Framework.choices),
        required=False,
        default=list,
    )
    notes = serializers.CharField(
        max_length=limits.NOTES_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    consent = serializers.BooleanField(help_text="Agreement to the agency's privacy notice.")
    host = serializers.PrimaryKeyRelatedField(
        queryset=Membership.objects.select_related("user"),
        pk_field=serializers.UUIDField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The host's membership id, from the slot's `hosts` (only when the booker "
        "picks the host).",
    )

    def validate_consent(self, value: bool) -> bool:  # noqa: FBT001 (DRF's validate_<field>)
        if not value:
            raise serializers.ValidationError(
                "Please agree to the privacy notice so that we can use your details."
            )
        return value

    def to_internal_value(self, data):
        errors: dict[str, Any] = {}
        values: dict[str, Any] = {}
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors = dict(cast(dict[str, Any], exc.detail))
        key = self.context.get("idempotency_key") or ""
        if not _IDEMPOTENCY_KEY.fullmatch(key):
            errors[IDEMPOTENCY_KEY_HEADER] = [IDEMPOTENCY_KEY_MESSAGE]
        if errors:
            raise serializers.ValidationError(errors)
        values["idempotency_key"] = key
        return values

    def validate(self, attrs):
        offer = self.context.get("offer")
        picks = offer is not None and offer.host_choice == ConsultationType.HostChoice.BOOKER_PICKS
        if picks and attrs["host"] is None:
            raise serializers.ValidationError({"host": "Choose who you would like to meet."})
        if not picks and attrs["host"] is not None:
            raise serializers.ValidationError(
                {"host": "This consultation assigns its host itself: leave `host` out."}
            )
        return attrs

    def booker(self) -> Booker:
        return Booker.from_answers(self.validated_data, time_zone=self.validated_data["time_zone"])


class PublicAgencySerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    slug = serializers.SlugField(read_only=True)


class PublicBookedOfferSerializer(serializers.ModelSerializer):
    """The offer as the booker of it sees it: where the meeting happens included."""

    class Meta:
        model = ConsultationType
        fields = ["name", "slug", "duration_minutes", "location", "location_detail"]
        read_only_fields = fields


class PublicBookingSerializer(serializers.ModelSerializer):
    """A booking as its booker sees it, times in their zone, with the token that cancels or
    reschedules it (keep it secret: it is the booking's only key)."""

    agency = PublicAgencySerializer(read_only=True)
    offer = PublicBookedOfferSerializer(source="consultation_type", read_only=True)
    host = PublicHostSerializer(read_only=True, allow_null=True)
    start = ZonedDateTimeField(read_only=True)
    end = ZonedDateTimeField(read_only=True)
    time_zone = serializers.CharField(source="booker_time_zone", read_only=True)
    name = serializers.CharField(source="booker_name", read_only=True)
    email = serializers.EmailField(source="booker_email", read_only=True)
    company = serializers.CharField(source="booker_company", read_only=True)
    compliance = serializers.ListField(
        child=serializers.ChoiceField(choices=Framework.choices), read_only=True
    )
    manage_token = serializers.SerializerMethodField(
        help_text="For /api/v1/book/manage/{token}/: read, cancel, reschedule."
    )
    hold_expires_at = ZonedDateTimeField(
        read_only=True,
        allow_null=True,
        help_text="For a `pending` booking (the agency asks bookers to confirm by email): "
        "when it is released unless confirmed from the emailed link; otherwise null.",
    )

    class Meta:
        model = Booking
        fields = [
            "id",
            "agency",
            "offer",
            "host",
            "start",
            "end",
            "time_zone",
            "status",
            "hold_expires_at",
            "name",
            "email",
            "company",
            "prototype_url",
            "platform",
            "expected_users",
            "compliance",
            "notes",
            "reschedule_count",
            "cancelled_at",
            "cancel_reason",
            "manage_token",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_manage_token(self, booking: Booking) -> str:
        return manage_token(booking)
