from django.apps import AppConfig


class OpsConfig(AppConfig):
    """What operators watch: Prometheus metrics of requests, Celery tasks and the scan queue.
    Above scans, since the queue depth reads them; nothing imports it but config/."""

    name = "apps.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # Celery's signals are process-wide: connected here, they hold in web processes (tasks
        # run in-process without a broker) and in workers (Celery's Django fix-up sets Django
        # up before the worker starts its pool).
        from apps.ops import task_metrics

        task_metrics.connect()
