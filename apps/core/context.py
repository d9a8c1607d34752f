"""Per-request metadata (request id, client IP) that logs and the audit trail read.

Authorisation never reads these: the acting user and agency are passed to services explicitly.
"""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
client_ip_var: ContextVar[str | None] = ContextVar("client_ip", default=None)


def current_request_id() -> str:
    return request_id_var.get()


def current_client_ip() -> str | None:
    return client_ip_var.get()
