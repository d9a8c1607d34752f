"""The marks every test of the real processes (tests/server) carries: gunicorn and Celery
workers read what the test wrote, so it must be committed to PostgreSQL, with Redis beside."""

import pytest

SERVER_TEST_MARKS = [
    pytest.mark.server,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]
