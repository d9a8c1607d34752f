"""Celery task outcomes and durations, from Celery's signals, and the worker's own door to
them (an exporter thread in the worker's main process, when METRICS_WORKER_PORT is set).

Outcomes come from task_success, task_failure and task_retry: a worker sends task_failure
from its main process too, for a task killed at its hard time limit or with its pool process,
where no task_postrun ever comes. task_postrun gives the duration of every run, and counts a
failure when an exception escaped the tracer (in-process runs that propagate errors), the one
case no outcome signal is sent.
"""

from __future__ import annotations

import time

from celery import signals
from django.conf import settings

from apps.ops.exporter import serve
from apps.ops.metrics import CELERY_TASK_DURATION, CELERY_TASKS
from apps.ops.multiproc import reset_directory

_STARTED = "launchpad_metrics_started"  # set on the task's request context by prerun


def _task_name(task) -> str:
    return getattr(task, "name", None) or "unknown"


def _queue(task, request=None) -> str:
    """The queue the message came from; for an in-process run, or a request the main process
    no longer holds, the queue the task's route names."""
    request = request if request is not None else getattr(task, "request", None)
    delivery = getattr(request, "delivery_info", None) or {}
    if delivery.get("routing_key"):
        return str(delivery["routing_key"])
    if task is None:
        return "unknown"
    route = task.app.amqp.router.route({}, task.name)
    return route["queue"].name


def _count(task, outcome: str, request=None) -> None:
    CELERY_TASKS.labels(task=_task_name(task), queue=_queue(task, request), outcome=outcome).inc()


def on_prerun(sender=None, **kwargs) -> None:
    setattr(sender.request, _STARTED, time.perf_counter())


def on_postrun(sender=None, state=None, **kwargs) -> None:
    started = getattr(sender.request, _STARTED, None)
    if started is not None:
        CELERY_TASK_DURATION.labels(task=_task_name(sender), queue=_queue(sender)).observe(
            time.perf_counter() - started
        )
    if state is None:
        _count(sender, "failure")


def on_success(sender=None, **kwargs) -> None:
    _count(sender, "success")


def on_failure(sender=None, **kwargs) -> None:
    _count(sender, "failure")


def on_retry(sender=None, request=None, **kwargs) -> None:
    _count(sender, "retry", request)


def prepare_multiprocess_dir(**kwargs) -> None:
    """In the worker's main process, before its pool starts."""
    reset_directory()


def start_exporter(**kwargs) -> None:
    """Once the pool is up. A port already taken is logged by Celery; the worker works on."""
    if settings.METRICS_WORKER_PORT:
        serve(settings.METRICS_WORKER_PORT)


def connect() -> None:
    for signal, receiver in (
        (signals.task_prerun, on_prerun),
        (signals.task_postrun, on_postrun),
        (signals.task_success, on_success),
        (signals.task_failure, on_failure),
        (signals.task_retry, on_retry),
        (signals.worker_init, prepare_multiprocess_dir),
        (signals.worker_ready, start_exporter),
    ):
        signal.connect(receiver, weak=False, dispatch_uid=f"launchpad-metrics-{receiver.__name__}")
