"""gunicorn's configuration (`gunicorn -c python:apps.ops.gunicorn_conf ...`, as `make serve`
runs it): the workers count requests into one metrics directory, which every scrape adds up.

A module here rather than under config/: importing the config package would import the Celery
app, which defaults DJANGO_SETTINGS_MODULE to the dev settings in gunicorn's master and so in
every worker. As a module it is found installed (the image) as well as in a checkout."""

import os
import tempfile

from apps.ops.multiproc import ENV, reset_directory

# prometheus_client chooses multiprocess mode when it is first imported, in each worker after
# the fork, from this variable: set here, in the master, it reaches every worker. Without it
# each scrape would see the counts of whichever worker answered it.
if not os.environ.get(ENV):
    os.environ[ENV] = tempfile.mkdtemp(prefix="launchpad-metrics-")


def on_starting(server) -> None:  # noqa: ARG001 - gunicorn hands in its arbiter
    reset_directory()


# No child_exit hook: mark_process_dead only tidies "live" gauges, and Launchpad keeps none in
# the directory (a dead worker's counters must stay in the sums, or they would go backwards).
