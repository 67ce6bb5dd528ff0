"""Waiting for what a real worker (or browser) does in its own time."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import OperationalError


def wait_for(predicate: Callable[[], bool], seconds: float = 30.0) -> bool:
    """Whether `predicate` came true within `seconds` (checked every 0.1 s).

    The test database is SQLite in memory with a cache shared by the test's threads,
    where a read of a table that the worker's thread is writing in an open transaction
    fails at once ("database table is locked") instead of waiting: that is "not yet"."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
        time.sleep(0.1)
    return False
