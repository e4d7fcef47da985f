"""Django settings of the service desk; installation-specific values come from `config`."""

from __future__ import annotations

from pathlib import Path

import django_stubs_ext
from django.utils.translation import gettext_lazy as _

from callcenter.web import config

# Lets admin and form classes be subscripted with their model (ModelAdmin[Unit]) at run time.
django_stubs_ext.monkeypatch()

CONFIG = config.load()

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = CONFIG.data_dir
# Call recordings: the switch writes them here and reports paths relative to this folder.
RECORDINGS_DIR = CONFIG.recordings_dir
# Asterisk's queue_log (`recordings.queue_log`), for reporting tools made for Asterisk;
# None: not written.
QUEUE_LOG_PATH = DATA_DIR / "logs" / "queue_log"

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts
CALLCENTER_ALLOW_DEMO = CONFIG.allow_demo
CALLCENTER_AREA_CODE = CONFIG.area_code

INSTALLED_APPS = [
    "callcenter.accounts",
    "callcenter.telephony",
    "callcenter.acd",
    "callcenter.ivr",
    "callcenter.recordings",
    "callcenter.tickets",
    "callcenter.crm",
    "callcenter.desktop",
    "callcenter.api",
    "callcenter.boss",
    "callcenter.dispatch",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "callcenter.web.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "callcenter.web.urls"
ASGI_APPLICATION = "callcenter.web.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "callcenter.web.navigation.shell_context",
            ],
        },
    },
]

DATABASES = CONFIG.databases
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "callcenter.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout after repeated failed logins (per agent ID).
LOGIN_MAX_FAILURES = 5
LOGIN_FAILURE_WINDOW_MINUTES = 15
LOGIN_LOCK_MINUTES = 15

SESSION_COOKIE_NAME = "callcenter_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60  # one long shift
X_FRAME_OPTIONS = "SAMEORIGIN"

# Chinese first: Simplified Chinese unless the user chose English in the header.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "callcenter_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "web" / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

# Ticket attachments (`callcenter.tickets.files`): kept in the data folder, never served
# as static media; types checked by extension and content.
TICKET_ATTACHMENTS_DIR = DATA_DIR / "attachments"
TICKET_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
TICKET_ATTACHMENT_TYPES = [
    "jpg",
    "jpeg",
    "png",
    "gif",
    "webp",
    "pdf",
    "txt",
    "doc",
    "docx",
    "xls",
    "xlsx",
]

CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.request": {"level": "WARNING"}},
}

# Shown in the shell's title bar.
PRODUCT_NAME = _("Call Center")

CSRF_FAILURE_VIEW = "callcenter.web.views.csrf_failure_view"
