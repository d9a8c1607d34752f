"""Logging helpers: every record carries the id of the request it belongs to."""

import logging

from apps.core.context import current_request_id


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True
