"""The webhook events in the OpenAPI document (a drf-spectacular postprocessing hook): each
event's body under `components.schemas`, and `x-webhooks` (the OpenAPI 3.0 extension that
Redoc and others read; 3.1 calls it `webhooks`) naming the POST each endpoint receives."""

from __future__ import annotations

from typing import Any

from apps.notifications.webhooks import EVENTS

_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_TIME = {"type": "string", "format": "date-time"}
_NTIME = {"type": "string", "format": "date-time", "nullable": True}
_ID = {"type": "string", "format": "uuid"}


def _obj(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": sorted(properties)}


_ITEM = _obj({
    "id": _ID, "key": _STR, "title": _STR, "status": _STR, "engagement": _ID,
    "due_date": {"type": "string", "format": "date", "nullable": True}, "signed_off_at": _NTIME,
})  # fmt: skip
_BOOKING = _obj({
    "booking": _obj({
        "id": _ID, "status": _STR, "start": _TIME, "end": _TIME,
        "consultation_type": _obj({"id": _ID, "name": _STR, "slug": _STR}),
        "host": {**_obj({"id": _ID, "name": _STR}), "nullable": True},
        "booker": _obj({"name": _STR, "email": _STR, "company": _STR, "time_zone": _STR}),
        "reschedule_count": {"type": "integer"}, "cancel_reason": _STR,
    })
})  # fmt: skip
DATA: dict[str, dict[str, Any]] = {
    "booking.created": _BOOKING,
    "booking.rescheduled": _BOOKING,
    "booking.cancelled": _BOOKING,
    "engagement.status_changed": _obj({
        "engagement": _obj({"id": _ID, "name": _STR, "client": _ID, "stage": _STR,
                            "archived": {"type": "boolean"}}),
        "old": _STR, "new": _STR,
    }),
    "checklist_item.changed": _obj({
        "item": _ITEM,
        "changes": {"type": "object", "additionalProperties": _obj({"old": {}, "new": {}})},
    }),
    "signoff.recorded": _obj({"item": _ITEM, "signed_off_by": _NSTR}),
    "scan.finished": _obj({
        "scan": _obj({
            "id": _ID, "status": _STR, "engagement": _ID, "commit_sha": _STR,
            "failure_code": _STR, "failure_reason": _STR, "new_findings": {"type": "integer"},
            "finished_at": _NTIME,
        })
    }),
}  # fmt: skip


def _name(event: str) -> str:
    return "WebhookEvent" + "".join(part.title() for part in event.replace(".", "_").split("_"))


def add_webhook_events(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    hooks = {}
    for event, description in EVENTS.items():
        name = _name(event)
        schemas[name] = {
            **_obj({
                "id": {**_STR, "description": "The event's id, the same on every retry."},
                "type": {"type": "string", "enum": [event]},
                "created": _TIME, "agency": {**_STR, "description": "The agency's slug."},
                "data": DATA[event],
            }),
            "description": description,
        }  # fmt: skip
        hooks[event] = {
            "post": {
                "summary": description,
                "description": "Signed with `Launchpad-Signature` (docs/webhooks.md).",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                    },
                },
                "responses": {"2XX": {"description": "Received; any other answer is retried."}},
            }
        }
    result["x-webhooks"] = hooks
    return result
