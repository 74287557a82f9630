"""Configuration, read from environment variables.

`Config` holds what every environment shares; `DevelopmentConfig`, `ProductionConfig` and
`TestConfig` change only what differs. `config_from_env()` picks one from ACCORD_ENV.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name, default):
    """A ';'-separated list from the environment."""
    return [item.strip() for item in os.environ.get(name, default).split(";") if item.strip()]


class Config:
    ENV_NAME = "base"
    INSTANCE_DIR = Path(os.environ.get("ACCORD_INSTANCE_DIR", BASE_DIR / "instance"))
    SERVICE_NAME = os.environ.get("ACCORD_SERVICE_NAME", "Accord Community Mediation")
    DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'accord.sqlite3'}"
    SECRET_KEY = os.environ.get("SECRET_KEY")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which expires anyway

    # Mail: SMTP when MAIL_SERVER is set, otherwise files in an outbox folder.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Accord <no-reply@accord.invalid>")
    MAIL_OUTBOX_DIR = Path(os.environ.get("MAIL_OUTBOX_DIR", INSTANCE_DIR / "outbox"))
    # Links in emails must be absolute; set this to the portal's public address.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    INVITATION_LIFETIME = timedelta(days=int(os.environ.get("ACCORD_INVITATION_DAYS", "7")))
    PASSWORD_RESET_LIFETIME = timedelta(hours=int(os.environ.get("ACCORD_RESET_HOURS", "2")))
    PASSWORD_MIN_LENGTH = 12

    # The service's own lists.
    TIMEZONE = os.environ.get("ACCORD_TIMEZONE", "Europe/London")
    FUNDING_SCHEMES = _env_list("ACCORD_FUNDING_SCHEMES",
                                "Housing association contract;Council community safety fund;"
                                "Employer-funded;Lottery community grant")
    OFFICES = _env_list("ACCORD_OFFICES", "Accord office, 12 Market Street")
    DEFAULT_SESSION_ALLOWANCE = int(os.environ.get("ACCORD_SESSION_ALLOWANCE", "3"))
    REFERRAL_LIMIT_PER_HOUR = int(os.environ.get("ACCORD_REFERRAL_LIMIT_PER_HOUR", "5"))


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False


class ProductionConfig(Config):
    ENV_NAME = "production"


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SESSION_COOKIE_SECURE = False
    SECRET_KEY = "test-secret-key-not-for-production"
    PUBLIC_BASE_URL = "http://localhost"


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


def config_from_env():
    """The configuration class named by ACCORD_ENV (production unless told otherwise)."""
    name = os.environ.get("ACCORD_ENV", "production")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"ACCORD_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from None


def development_secret_key(instance_dir):
    """A secret key kept under instance/ so development sessions survive restarts."""
    path = Path(instance_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
