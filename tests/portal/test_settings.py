"""Settings come from the environment and fail loudly on bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "a1b2c3d4e5" * 6


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # Only the machine's environment (DATABASE_URL, paths), none of the test overlay's.
    overlay = {
        "DEBUG",
        "SECRET_KEY",
        "SECURE_SSL_REDIRECT",
        "ALLOWED_HOSTS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    clean = {k: v for k, v in os.environ.items() if k not in overlay}
    clean["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_boolean_that_is_not_one_is_an_error():
    result = manage("check", DEBUG="yes")
    assert result.returncode != 0
    assert "DEBUG='yes' is not a boolean" in result.stderr


def test_check_deploy_reports_no_warning_in_production_mode():
    result = manage("check", "--deploy", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="crisis.example.com")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr
    assert "WARNING" not in result.stderr + result.stdout


@pytest.mark.parametrize("value", ["0", "false", "off"])
def test_debug_off_spellings(value):
    assert manage("check", DEBUG=value, SECRET_KEY=GOOD_KEY).returncode == 0
