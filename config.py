"""Configuration, read from environment variables.

`Config` holds what every environment shares; `DevelopmentConfig`, `ProductionConfig` and
`TestConfig` change only what differs. `config_from_env()` picks one from ACCORD_ENV.

This file is the source; the portal imports it as `portal.config` (portal/config.py links here,
and the wheel carries a copy), so an installed portal adds no top-level `config` module.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path


class FromEnv:
    """A setting read from the environment when the app is built, not when this file is imported.

    An unset or empty variable gives the default, which may be a function of the configuration
    class being read: so a subclass that moves INSTANCE_DIR moves the database and the outbox too.
    """

    def __init__(self, name, default=None, cast=str):
        self.name, self.default, self.cast = name, default, cast

    def __get__(self, instance, owner):
        value = os.environ.get(self.name, "")
        if value.strip():
            return self.cast(value)
        return self.default(owner) if callable(self.default) else self.default


def _bool(value):
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _none_or_text(value):
    """"none" (any capitals) as no value at all; any other text as it is."""
    return "" if value.strip().lower() == "none" else value.strip()


def _list(value):
    """A ';'-separated list."""
    return [item.strip() for item in value.split(";") if item.strip()]


class Config:
    ENV_NAME = "base"
    # instance/ under the directory the app is started from (the checkout for `make run`, the
    # service's working directory in a deployment), read when the app is built: never inside the
    # installed package, where an upgrade would delete the database and the uploaded files.
    INSTANCE_DIR = FromEnv("ACCORD_INSTANCE_DIR", lambda config: Path.cwd() / "instance", Path)
    SERVICE_NAME = FromEnv("ACCORD_SERVICE_NAME", "Accord Community Mediation")
    DATABASE_URL = FromEnv("DATABASE_URL", lambda config: f"sqlite:///{Path(config.INSTANCE_DIR) / 'accord.sqlite3'}")
    # PostgreSQL only: the most connections one app process keeps open (a request takes one from
    # the pool and gives it back; 0 opens a new one per request, for a pooler such as PgBouncer),
    # and how long one is used before it is replaced by a new one.
    DATABASE_POOL_SIZE = FromEnv("DATABASE_POOL_SIZE", 20, int)
    DATABASE_POOL_MAX_AGE_SECONDS = FromEnv("DATABASE_POOL_MAX_AGE_SECONDS", 300, int)
    # PostgreSQL only: the settings every connection starts with (libpq's `options`), added to
    # any the URL gives: no JIT compiling (portal/db.py says why). `none` sends none, for a pooler
    # that refuses startup options (then `ALTER ROLE ... SET jit = off` does the same).
    DATABASE_OPTIONS = FromEnv("DATABASE_OPTIONS", "-c jit=off", _none_or_text)
    SECRET_KEY = FromEnv("SECRET_KEY")

    # How many reverse proxies (TLS terminators, load balancers) stand in front of the app. Their
    # X-Forwarded-For/-Proto/-Host headers are believed for that many hops; at 0 they are ignored,
    # since without a proxy that overwrites them any visitor can send them.
    PROXY_HOPS = FromEnv("ACCORD_PROXY_HOPS", 0, int)
    # Strict-Transport-Security on every response (production only: a browser that saw it would
    # refuse plain-HTTP development servers on the same host for a year).
    HSTS = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, which expires anyway

    # Mail: SMTP when MAIL_SERVER is set, otherwise files in an outbox folder.
    MAIL_SERVER = FromEnv("MAIL_SERVER")
    MAIL_PORT = FromEnv("MAIL_PORT", 587, int)
    MAIL_USERNAME = FromEnv("MAIL_USERNAME")
    MAIL_PASSWORD = FromEnv("MAIL_PASSWORD")
    MAIL_USE_TLS = FromEnv("MAIL_USE_TLS", True, _bool)
    MAIL_FROM = FromEnv("MAIL_FROM", "Accord <no-reply@accord.invalid>")
    # Where answers to the service's emails go (the service's own address, never a person's).
    MAIL_REPLY_TO = FromEnv("MAIL_REPLY_TO", lambda config: config.SERVICE_EMAIL)
    MAIL_OUTBOX_DIR = FromEnv("MAIL_OUTBOX_DIR", lambda config: Path(config.INSTANCE_DIR) / "outbox", Path)
    # Delivery (portal/outbox.py): the first retry after this many seconds, each later one after
    # twice as long as the one before (at most MAIL_RETRY_MAX_SECONDS), until the message is this
    # many hours old: then it is marked failed, for an administrator to send again. A worker
    # sending a message holds it for MAIL_LEASE_SECONDS; if it dies, another sends it after that.
    MAIL_RETRY_FIRST_SECONDS = FromEnv("MAIL_RETRY_FIRST_SECONDS", 30, int)
    MAIL_RETRY_MAX_SECONDS = FromEnv("MAIL_RETRY_MAX_SECONDS", 1800, int)
    MAIL_GIVE_UP_HOURS = FromEnv("MAIL_GIVE_UP_HOURS", 24, int)
    MAIL_LEASE_SECONDS = FromEnv("MAIL_LEASE_SECONDS", 120, int)
    # The job queue (portal/jobs.py): a SQLite file under the instance folder unless this is a
    # redis:// URL. QUEUE_NAME keeps two portals on one Redis apart (it prefixes every key).
    QUEUE_URL = FromEnv("ACCORD_QUEUE_URL")
    QUEUE_FILE = FromEnv("ACCORD_QUEUE_FILE", lambda config: Path(config.INSTANCE_DIR) / "queue.sqlite3", Path)
    QUEUE_NAME = FromEnv("ACCORD_QUEUE_NAME", "accord")
    # Run each job at once, in the process that queues it (huey's immediate mode): the tests.
    QUEUE_IMMEDIATE = False
    # Links in emails must be absolute; set this to the portal's public address.
    PUBLIC_BASE_URL = FromEnv("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    INVITATION_LIFETIME = FromEnv("ACCORD_INVITATION_DAYS", timedelta(days=7),
                                  lambda days: timedelta(days=int(days)))
    # How long a party's feedback link (sent when their case closes, no sign-in) stays usable.
    FEEDBACK_LINK_LIFETIME = FromEnv("ACCORD_FEEDBACK_LINK_DAYS", timedelta(days=30),
                                     lambda days: timedelta(days=int(days)))
    PASSWORD_RESET_LIFETIME = FromEnv("ACCORD_RESET_HOURS", timedelta(hours=2),
                                      lambda hours: timedelta(hours=int(hours)))

    # The service's own lists.
    TIMEZONE = FromEnv("ACCORD_TIMEZONE", "Europe/London")
    FUNDING_SCHEMES = FromEnv("ACCORD_FUNDING_SCHEMES",
                              _list("Housing association contract;Council community safety fund;"
                                    "Employer-funded;Lottery community grant"), _list)
    OFFICES = FromEnv("ACCORD_OFFICES", _list("Accord office, 12 Market Street"), _list)
    DEFAULT_SESSION_ALLOWANCE = FromEnv("ACCORD_SESSION_ALLOWANCE", 3, int)
    # Reports: the month a financial year starts (April), and the preparation time counted for
    # each coach at each held session in the volunteer hours.
    FINANCIAL_YEAR_START_MONTH = FromEnv("ACCORD_FINANCIAL_YEAR_START_MONTH", 4, int)
    PREPARATION_MINUTES_PER_SESSION = FromEnv("ACCORD_PREPARATION_MINUTES_PER_SESSION", 30, int)
    # What post-mediation coaching costs a party, told to them with the offer.
    COACHING_OFFER_COST = FromEnv("ACCORD_COACHING_OFFER_COST",
                                  "There is no charge to you: the service's funding covers it.")
    REFERRAL_LIMIT_PER_HOUR = FromEnv("ACCORD_REFERRAL_LIMIT_PER_HOUR", 5, int)
    # Told to people the portal cannot help just now (a referral over the limit), and on every
    # party's page, with the email, so a party can always reach a person.
    SERVICE_PHONE = FromEnv("ACCORD_SERVICE_PHONE", "01632 960 123")
    SERVICE_EMAIL = FromEnv("ACCORD_SERVICE_EMAIL", "hello@accord.invalid")

    # Sign-in: after this many failures within the window, for one typed email from one address
    # (or from one address for any emails), that pair (or address) is refused for the pause.
    SIGN_IN_FAILURES_PER_ACCOUNT = FromEnv("ACCORD_SIGN_IN_FAILURES_PER_ACCOUNT", 10, int)
    SIGN_IN_FAILURES_PER_ADDRESS = FromEnv("ACCORD_SIGN_IN_FAILURES_PER_ADDRESS", 50, int)
    SIGN_IN_WINDOW = FromEnv("ACCORD_SIGN_IN_WINDOW_MINUTES", timedelta(minutes=15),
                             lambda minutes: timedelta(minutes=int(minutes)))
    SIGN_IN_PAUSE = FromEnv("ACCORD_SIGN_IN_PAUSE_MINUTES", timedelta(minutes=15),
                            lambda minutes: timedelta(minutes=int(minutes)))
    # Sessions end after this long without a request: staff sooner, as they can read more.
    STAFF_IDLE = FromEnv("ACCORD_STAFF_IDLE_MINUTES", timedelta(minutes=30),
                         lambda minutes: timedelta(minutes=int(minutes)))
    PARTY_IDLE = FromEnv("ACCORD_PARTY_IDLE_MINUTES", timedelta(hours=2),
                         lambda minutes: timedelta(minutes=int(minutes)))
    # An emailed sign-in link (parties only) works once, within this time.
    SIGN_IN_LINK_LIFETIME = timedelta(minutes=15)
    # Between the password and the code: how long the half-way step lasts.
    SECOND_FACTOR_STEP_LIFETIME = timedelta(minutes=10)
    # argon2id's cost (time_cost, memory_cost in KiB, parallelism); None is argon2-cffi's own
    # recommended parameters. A hash made with other parameters is remade at the next sign-in.
    PASSWORD_HASH_PARAMS = None
    # Forgotten password: reset emails per typed email, and requests per address, per hour.
    PASSWORD_RESETS_PER_ACCOUNT_PER_HOUR = FromEnv("ACCORD_PASSWORD_RESETS_PER_ACCOUNT_PER_HOUR", 3, int)
    PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = FromEnv("ACCORD_PASSWORD_RESETS_PER_ADDRESS_PER_HOUR", 10, int)

    # The audit trail's anchors (row count, last id and hash, time), one line each, appended
    # daily and by `flask audit anchor`. Keep it where the database's administrators cannot write.
    AUDIT_ANCHOR_FILE = FromEnv("ACCORD_AUDIT_ANCHOR_FILE",
                                lambda config: Path(config.INSTANCE_DIR) / "audit-anchors.txt", Path)

    # Uploaded files and final agreement PDFs live in the database (portal/storage.py). This is
    # where earlier versions kept them: read only by `flask db upgrade` while migration 7 moves
    # them in (portal/migrations/m0007_files_in_the_database.py).
    FILES_DIR = FromEnv("ACCORD_FILES_DIR", lambda config: Path(config.INSTANCE_DIR) / "files", Path)
    # A request larger than a full-size file and its form is refused with 413 before it is read.
    MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 256 * 1024
    # Agreement templates (headings and standard wording); the bundled file when unset.
    AGREEMENT_TEMPLATES = FromEnv("ACCORD_AGREEMENT_TEMPLATES", None, Path)
    # A concern not acknowledged within this long is marked overdue on the dashboard.
    SAFEGUARDING_IMMEDIATE_ACK_MINUTES = FromEnv("ACCORD_SAFEGUARDING_IMMEDIATE_ACK_MINUTES", 60, int)
    SAFEGUARDING_HIGH_ACK_HOURS = FromEnv("ACCORD_SAFEGUARDING_HIGH_ACK_HOURS", 24, int)
    # An immediate or high concern whose email to the leads is still not delivered after this
    # long is shown as such on the dashboard and on every lead's home page.
    SAFEGUARDING_EMAIL_ALERT_MINUTES = FromEnv("ACCORD_SAFEGUARDING_EMAIL_ALERT_MINUTES", 10, int)

    # The coordinator's work queue (portal/queries/work_queue.py): a new referral not triaged
    # within the service's promise, in working days (Monday to Friday; bank holidays are not
    # counted), a shorter one for urgent referrals; and how many days a party's consent, a case
    # with no session, a session's note or outcome, and a proposed agreement may wait (a
    # consent waited for longer is also a reminder to the coordinators, portal/reminders.py).
    REFERRAL_PROMISE_WORKING_DAYS = FromEnv("ACCORD_REFERRAL_PROMISE_WORKING_DAYS", 5, int)
    URGENT_REFERRAL_PROMISE_WORKING_DAYS = FromEnv("ACCORD_URGENT_REFERRAL_PROMISE_WORKING_DAYS", 2, int)
    CONSENT_WAIT_DAYS = FromEnv("ACCORD_CONSENT_WAIT_DAYS", 14, int)
    QUIET_CASE_DAYS = FromEnv("ACCORD_QUIET_CASE_DAYS", 28, int)
    SESSION_NOTE_DAYS = FromEnv("ACCORD_SESSION_NOTE_DAYS", 2, int)
    PROPOSAL_WAIT_DAYS = FromEnv("ACCORD_PROPOSAL_WAIT_DAYS", 14, int)

    # Retention (portal/retention.py): days after a case closes before it is anonymised, and
    # the longer period for a case that ever had a safeguarding concern; 0 means "at the next
    # run". The daily job and `flask retention run` anonymise what is past them.
    RETENTION_DAYS = FromEnv("ACCORD_RETENTION_DAYS", 2192, int)
    SAFEGUARDING_RETENTION_DAYS = FromEnv("ACCORD_SAFEGUARDING_RETENTION_DAYS", 9131, int)
    # Days a sent or failed email stays in the outbox (the Messages page) before the daily job
    # deletes it: the outbox is a queue and a delivery record, not an archive of addresses.
    OUTBOX_KEEP_DAYS = FromEnv("ACCORD_OUTBOX_KEEP_DAYS", 90, int)


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    HSTS = True


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SESSION_COOKIE_SECURE = False
    SECRET_KEY = "test-secret-key-not-for-production"
    PUBLIC_BASE_URL = "http://localhost"
    # argon2's cheapest parameters: deliberately slow hashing would be most of the suite's time.
    # Tests of hashing itself ask for the production parameters explicitly.
    PASSWORD_HASH_PARAMS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    # Jobs run where they are queued, so an email is in the outbox folder (or on the test SMTP
    # server) when the request returns. The queue's own tests run a real worker instead.
    QUEUE_IMMEDIATE = True


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
        try:
            # Readable by the owner only from the first byte, not chmod-ed after writing.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process has just made it
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32))
    return path.read_text().strip()
