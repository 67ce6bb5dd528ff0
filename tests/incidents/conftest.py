"""Fixtures shared by the incidents tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Callable[[Callable[[], T]], T]:
    """Runs `fn` and then the on-commit callbacks it queued (as a committed request would)."""

    def run(fn: Callable[[], T]) -> T:
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run
