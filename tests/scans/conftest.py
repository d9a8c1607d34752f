"""Scan tests share their fixtures with the worker tests: see tests/support/scan_fixtures.py."""

from tests.support.scan_fixtures import HARDENED_APP, LOVABLE_APP

__all__ = ["HARDENED_APP", "LOVABLE_APP"]
