"""Test settings: the base settings with speed knobs only."""

from fangpin.config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not the in-memory default: in-memory shared-cache SQLite ignores busy_timeout, so tests with
    # concurrent writers would see locking the real (file, WAL) database never shows.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

# Persistent connections outlive the live server's request threads and block dropping the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Background tasks run at once, inside the test.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# A low API rate, so the throttling test needs few requests.
FANGPIN_API_RATE = "20/m"
