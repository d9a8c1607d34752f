"""The OpenAPI examples of the bookings API (agency and public), kept apart from the views
so that a view reads as what it does: ids, example bodies and the shared error texts."""

from drf_spectacular.utils import OpenApiExample

OFFER_ID = "5b3c0f8e-6a0e-4f51-9d2a-1c7e3b9a4d10"
HOST_ID = "04fce5cc-e11a-433d-a807-445cf73ff95f"
BOOKING_ID = "9e1d7c52-3f4b-4a8e-b1c6-7d2f0a5e8b93"
SLOT_EXAMPLE = {
    "start": "2026-03-10T04:00:00-04:00",
    "end": "2026-03-10T04:45:00-04:00",
    "start_utc": "2026-03-10T08:00:00Z",
}
PUBLIC_BOOKING_EXAMPLE = {
    "id": BOOKING_ID,
    "agency": {"name": "Northwind", "slug": "northwind"},
    "offer": {
        "name": "Prototype review",
        "slug": "prototype-review",
        "duration_minutes": 45,
        "location": "video",
        "location_detail": "https://meet.example.com/northwind",
    },
    "host": {"id": HOST_ID, "name": "Sam Rivera"},
    "start": "2026-03-10T04:00:00-04:00",
    "end": "2026-03-10T04:45:00-04:00",
    "time_zone": "America/New_York",
    "status": "confirmed",
    "name": "Ada Founder",
    "email": "ada@acme.example",
    "company": "Acme",
    "prototype_url": "https://acme-portal.lovable.app",
    "platform": "lovable",
    "expected_users": 5000,
    "compliance": ["gdpr"],
    "notes": "",
    "reschedule_count": 0,
    "cancelled_at": None,
    "cancel_reason": "",
    "manage_token": "eyJiIjoiOWUxZDdjNTIifQ:1vXyZa:Qm9va2luZ3MgYXJlIGZ1bg",
    "created_at": "2026-03-02T12:00:00Z",
}
AGENCY_BOOKING_EXAMPLE = {
    "id": BOOKING_ID,
    "offer": {
        "id": OFFER_ID,
        "name": "Prototype review",
        "slug": "prototype-review",
        "duration_minutes": 45,
    },
    "host": {"id": HOST_ID, "name": "Sam Rivera"},
    "start": "2026-03-10T09:00:00+01:00",
    "end": "2026-03-10T09:45:00+01:00",
    "status": "confirmed",
    "booker_name": "Ada Founder",
    "booker_email": "ada@acme.example",
    "booker_company": "Acme",
    "booker_time_zone": "America/New_York",
    "prototype_url": "https://acme-portal.lovable.app",
    "platform": "lovable",
    "expected_users": 5000,
    "compliance": ["gdpr"],
    "notes": "",
    "reschedule_count": 0,
    "cancelled_at": None,
    "cancel_reason": "",
    "client": None,
    "project": None,
    "created_at": "2026-03-02T12:00:00Z",
}


SLOT_TAKEN_EXAMPLE = {
    "error": {
        "status": 409,
        "code": "slot_taken",
        "message": "That time was just taken. Please choose another time.",
        "request_id": "5f0c9a7e...",
        "slots": [SLOT_EXAMPLE],
    }
}


# Texts several public endpoints share in their descriptions.
PUBLIC_ERRORS = (
    "Refusals are 400 with `code` one of `in_the_past`, `inside_minimum_notice`, "
    "`beyond_booking_window`, `outside_availability`, `misaligned`, `daily_cap_reached`; a "
    "time someone else took first is 409 `slot_taken`."
)


MANAGE_ERRORS = (
    "A forged or expired link is 400 `invalid_link`; a booking that no longer exists, 404. "
    "The agency's policy applies: `too_late` (inside its notice before the meeting), "
    "`reschedule_limit` (moved too often); a cancelled booking is `booking_closed`."
)


# --- agency side ------------------------------------------------------------------------------


OFFER_LIST_EXAMPLES = [
    OpenApiExample(
        "One offer",
        value={
            "next": None,
            "previous": None,
            "results": [
                {
                    "id": OFFER_ID,
                    "name": "Prototype review",
                    "slug": "prototype-review",
                    "description": "45 minutes on your prototype and the road to MVP.",
                    "duration_minutes": 45,
                    "interval_minutes": 30,
                    "buffer_before_minutes": 0,
                    "buffer_after_minutes": 15,
                    "minimum_notice_minutes": 240,
                    "booking_window_days": 60,
                    "daily_cap": 4,
                    "location": "video",
                    "location_detail": "https://meet.example.com/northwind",
                    "host_choice": "round_robin",
                    "is_active": True,
                    "hosts": [{"id": HOST_ID, "name": "Sam Rivera"}],
                    "created_at": "2026-01-12T09:30:01Z",
                    "updated_at": "2026-01-12T09:30:01Z",
                }
            ],
        },
        response_only=True,
    )
]


OFFER_DETAIL_EXAMPLES = [
    OpenApiExample(
        "An offer the booker picks the host of",
        value={
            "id": OFFER_ID,
            "name": "Architecture deep dive",
            "slug": "architecture-deep-dive",
            "description": "",
            "duration_minutes": 60,
            "interval_minutes": 60,
            "buffer_before_minutes": 10,
            "buffer_after_minutes": 10,
            "minimum_notice_minutes": 1440,
            "booking_window_days": 30,
            "daily_cap": None,
            "location": "video",
            "location_detail": "",
            "host_choice": "booker_picks",
            "is_active": True,
            "hosts": [{"id": HOST_ID, "name": "Sam Rivera"}],
            "created_at": "2026-01-12T09:30:01Z",
            "updated_at": "2026-01-14T16:02:11Z",
        },
        response_only=True,
    )
]


BOOKING_LIST_EXAMPLES = [
    OpenApiExample(
        "This week's bookings, in Berlin time",
        value={"next": None, "previous": None, "results": [AGENCY_BOOKING_EXAMPLE]},
        response_only=True,
    )
]


BOOKING_DETAIL_EXAMPLES = [
    OpenApiExample(
        "A booking and its history",
        value={
            **AGENCY_BOOKING_EXAMPLE,
            "consent_at": "2026-03-02T12:00:00Z",
            "events": [
                {
                    "kind": "booked",
                    "by_booker": True,
                    "actor": None,
                    "old_start": None,
                    "new_start": "2026-03-10T09:00:00+01:00",
                    "reason": "",
                    "created_at": "2026-03-02T12:00:00Z",
                }
            ],
        },
        response_only=True,
    )
]


BOOKING_CANCEL_EXAMPLES = [
    OpenApiExample(
        "Cancel", value={"reason": "Our host is ill; please book again."}, request_only=True
    )
]


BOOKING_RESCHEDULE_EXAMPLES = [
    OpenApiExample(
        "Move to Thursday",
        value={"start": "2026-03-12T10:00:00+01:00", "reason": "Host travelling."},
        request_only=True,
    )
]


# --- public side ------------------------------------------------------------------------------


SLOT_TAKEN_EXAMPLES = [OpenApiExample("Taken", value=SLOT_TAKEN_EXAMPLE)]


PUBLIC_SLOTS_EXAMPLES = [
    OpenApiExample(
        "Two days in New York",
        value={
            "time_zone": "America/New_York",
            "offer": {
                "name": "Prototype review",
                "slug": "prototype-review",
                "description": "",
                "duration_minutes": 45,
                "location": "video",
                "host_choice": "round_robin",
            },
            "days": [
                {"date": "2026-03-09", "slots": []},
                {"date": "2026-03-10", "slots": [SLOT_EXAMPLE]},
            ],
        },
        response_only=True,
    )
]


PUBLIC_BOOKING_CREATE_EXAMPLES = [
    OpenApiExample(
        "Book",
        value={
            "start": "2026-03-10T04:00:00-04:00",
            "time_zone": "America/New_York",
            "name": "Ada Founder",
            "email": "ada@acme.example",
            "company": "Acme",
            "prototype_url": "https://acme-portal.lovable.app",
            "platform": "lovable",
            "expected_users": 5000,
            "compliance": ["gdpr"],
            "notes": "",
            "consent": True,
        },
        request_only=True,
    ),
    OpenApiExample("Booked", value=PUBLIC_BOOKING_EXAMPLE, response_only=True),
]


PUBLIC_BOOKING_EXAMPLES = [
    OpenApiExample("A booking", value=PUBLIC_BOOKING_EXAMPLE, response_only=True)
]


PUBLIC_CANCEL_EXAMPLES = [
    OpenApiExample("Cancel", value={"reason": "We found another agency."}, request_only=True),
    OpenApiExample(
        "Cancelled",
        value={
            **PUBLIC_BOOKING_EXAMPLE,
            "status": "cancelled",
            "cancelled_at": "2026-03-04T15:20:00Z",
            "cancel_reason": "We found another agency.",
        },
        response_only=True,
    ),
]


PUBLIC_RESCHEDULE_EXAMPLES = [
    OpenApiExample("Move", value={"start": "2026-03-11T05:00:00-04:00"}, request_only=True),
    OpenApiExample(
        "Moved",
        value={
            **PUBLIC_BOOKING_EXAMPLE,
            "start": "2026-03-11T05:00:00-04:00",
            "end": "2026-03-11T05:45:00-04:00",
            "reschedule_count": 1,
        },
        response_only=True,
    ),
]
