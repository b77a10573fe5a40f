"""Settings read from the environment.

DATABASE_URL (default: a SQLite file in the data folder), FANGPIN_DATA_DIR (default ./data: the SQLite file,
the Parquet store, generated dev secrets), FANGPIN_ENV=production (secrets must come from the environment),
FANGPIN_DEBUG, FANGPIN_ALLOWED_HOSTS, FANGPIN_LOG_LEVEL, FANGPIN_CLOCK_OFFSET_DAYS (training only).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from fangpin.config.secrets import load_secrets

PACKAGE_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("FANGPIN_DATA_DIR", "data")).resolve()
PARQUET_DIR = DATA_DIR / "parquet"
IS_PRODUCTION = os.environ.get("FANGPIN_ENV") == "production"

_secrets = load_secrets(DATA_DIR, allow_generate=not IS_PRODUCTION)
SECRET_KEY = _secrets["SECRET_KEY"]
ID_ENCRYPTION_KEY = _secrets["FANGPIN_ID_ENCRYPTION_KEY"]
ID_HASH_KEY = _secrets["FANGPIN_ID_HASH_KEY"]

DEBUG = os.environ.get("FANGPIN_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("FANGPIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "fangpin.core",
    "fangpin.audit",
    "fangpin.divisions",
    "fangpin.accounts",
    "fangpin.registry",
    "fangpin.monitoring",
    "fangpin.feeds",
    "fangpin.screening",
    "fangpin.alerts",
    "fangpin.cases",
    "fangpin.assistance",
    "fangpin.api",
    "fangpin.simulation",
    "fangpin.bench",
    "fangpin.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fangpin.web.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "fangpin.config.urls"
WSGI_APPLICATION = "fangpin.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'fangpin.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web app read while a simulation or import writes; IMMEDIATE avoids "database is locked"
    # upgrades from read to write locks inside transactions.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; "
            "PRAGMA cache_size=-131072;"  # 128 MB of page cache: index inserts of bulk loads stay in memory
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox"  # staff land on what waits for them; other roles are sent on from there
# Mail (alert assignments, the daily digest): printed to the console unless a real backend is configured.
EMAIL_BACKEND = os.environ.get("FANGPIN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("FANGPIN_FROM_EMAIL", "fangpin@localhost")
FANGPIN_SITE_URL = os.environ.get("FANGPIN_SITE_URL", "http://127.0.0.1:8000")  # links in e-mails
# Training: move the working date forward to watch deadlines turn (core/clock.py); never in production.
FANGPIN_CLOCK_OFFSET_DAYS = int(os.environ.get("FANGPIN_CLOCK_OFFSET_DAYS", "0"))
if IS_PRODUCTION and FANGPIN_CLOCK_OFFSET_DAYS:
    raise ImproperlyConfigured("FANGPIN_CLOCK_OFFSET_DAYS is for training and demos; unset it in production.")
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["fangpin.config.formats"]

STATIC_URL = "static/"
# Only a production deployment collects static files; the demo serves them from the package (WhiteNoise).
STATIC_ROOT = os.environ.get("FANGPIN_STATIC_ROOT") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve the package's static files without a collectstatic step

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
X_FRAME_OPTIONS = "DENY"

# Background work (imports) runs in `fangpin db_worker`, from a queue kept in the database itself.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
UPLOAD_DIR = DATA_DIR / "uploads"
FANGPIN_API_RATE = os.environ.get("FANGPIN_API_RATE", "120/m")  # requests per token
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Domain configuration that is not yet a database table.
FANGPIN_PAGE_SIZE = 25

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"fangpin": {"level": os.environ.get("FANGPIN_LOG_LEVEL", "INFO"), "propagate": True}},
}
