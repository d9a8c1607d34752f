"""Production settings plus one extra route, the baseline, for bench_api_load.py only."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "benchmarks.loadsite.urls"
