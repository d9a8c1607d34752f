"""Core's periodic tasks, where Celery's autodiscovery finds them."""

from apps.core.outbox import publish_pending_tasks

__all__ = ["publish_pending_tasks"]
