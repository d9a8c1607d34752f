"""The metrics directory of one process group (gunicorn's workers, or one Celery worker's
pool). Imports nothing of Django or prometheus_client: gunicorn's master calls it before
any worker has loaded either."""

from __future__ import annotations

import os
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


def reset_directory() -> Path | None:
    """Make the directory exist and hold no files of an earlier run, which prometheus_client
    would otherwise add to this run's numbers. Call it before any process of the group
    records a metric; None when multiprocess mode is off."""
    directory = os.environ.get(ENV)
    if not directory:
        return None
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return path
