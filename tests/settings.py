"""Test settings: the real settings module, read from the environment like production,
with what only tests need on top. DATABASE_URL and CELERY_BROKER_URL pass through, so
the same suite runs on SQLite and on PostgreSQL + Redis."""

import os
import tempfile

_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 60)
os.environ.setdefault(
    "FIREBREAK_VAR_DIR", os.path.join(tempfile.gettempdir(), f"firebreak-test-{_worker}")
)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# pytest-playwright's sync API keeps an event loop running in the main thread for the
# whole session, after which Django would refuse every ORM call of every later test in
# that process. Firebreak has no async code for this guard to protect.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in-process unless a test asks for a real worker (the `celery_worker` fixture).
CELERY_TASK_ALWAYS_EAGER = True
# Each xdist process gets its own queue, so real-worker tests never take each other's work.
CELERY_TASK_DEFAULT_QUEUE = f"firebreak-test-{_worker}"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
MEDIA_ROOT = VAR_DIR / "media"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
