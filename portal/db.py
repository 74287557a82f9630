"""The peewee database: initialised late from DATABASE_URL, one connection per request (on
PostgreSQL taken from a pool, so that a request does not pay for a new connection)."""

from contextlib import contextmanager
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from flask import request
from peewee import DatabaseProxy, SqliteDatabase
from playhouse.db_url import connect
from playhouse.pool import PooledDatabase

database = DatabaseProxy()

POSTGRESQL_SCHEMES = ("postgresql", "postgres")
# How long a request waits for a pooled connection when every one is in use, before it fails.
POOL_WAIT_SECONDS = 10

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    # Wait for a writer instead of failing at once with "database is locked".
    "busy_timeout": 5000,
    "synchronous": "normal",
}


# What every connection to PostgreSQL starts with, unless DATABASE_OPTIONS says otherwise: no JIT
# compilation. Accord's statements are short (a page's lists in one batch, a report's
# aggregates), but the planner turns JIT on by estimated cost, which a batched page or a report
# section passes at 100k cases: compiling then took 100 to 170 ms of a 500 ms coordinator's home
# and of a 400 ms report section, and saved nothing.
POSTGRESQL_OPTIONS = "-c jit=off"


def with_postgresql_options(url, options=POSTGRESQL_OPTIONS):
    """`url` with `options` (libpq's startup settings) added to any the URL sets, such as a
    search_path; `url` itself when `options` is empty."""
    if not options:
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = [value for key, value in query if key == "options"]
    rest = [(key, value) for key, value in query if key != "options"]
    merged = " ".join([*given, options])
    return urlunsplit(parts._replace(query=urlencode([*rest, ("options", merged)], quote_via=quote)))


def open_database(url, options=POSTGRESQL_OPTIONS):
    """A peewee database for `url` (sqlite:/// or postgresql://), with the SQLite pragmas set,
    or PostgreSQL's startup `options`."""
    if url.startswith("sqlite"):
        return connect(url, pragmas=SQLITE_PRAGMAS)
    return connect(with_postgresql_options(url, options))


def open_pool(url, size, max_age_seconds, options=POSTGRESQL_OPTIONS):
    """A pool of at most `size` connections to the PostgreSQL database at `url`. A connection
    goes back to the pool when it is closed, with any transaction left open rolled back; one
    older than `max_age_seconds` is closed instead and a new one made. Connection settings in
    the URL (`?options=-c search_path=...`) apply to every connection the pool makes."""
    scheme, rest = with_postgresql_options(url, options).split("://", 1)
    return connect(f"{scheme}+pool://{rest}", max_connections=size, stale_timeout=max_age_seconds,
                   timeout=POOL_WAIT_SECONDS)


def init_database(url, pool_size=0, pool_max_age_seconds=300, options=POSTGRESQL_OPTIONS):
    """Point the shared proxy at the database for `url` and return it: a pool of `pool_size`
    connections for a postgresql:// URL (0: a new connection each time), SQLite as it is. The
    pool the proxy held before, if any (an app built again in the same process), closes its
    idle connections. `options`: PostgreSQL's startup settings (DATABASE_OPTIONS)."""
    if pool_size > 0 and urlsplit(url).scheme in POSTGRESQL_SCHEMES:
        db = open_pool(url, pool_size, pool_max_age_seconds, options)
    else:
        db = open_database(url, options)
    previous = database.obj
    database.initialize(db)
    if isinstance(previous, PooledDatabase):
        previous.close_idle()
    return db


def is_sqlite(db=None):
    db = db or database.obj
    return isinstance(db, SqliteDatabase)


@contextmanager
def serialised_transaction(*advisory_keys):
    """A transaction that waits its turn before it reads, so that two writers who read, decide
    and then write (append to a hash chain, count then record an attempt) do it one after the
    other and never both act on the same reading.

    PostgreSQL: a transaction advisory lock for each key (a tuple of one or two integers, hashed
    with the schema in use), taken in sorted order so two writers needing the same keys never
    wait on each other; writers with
    other keys are not held up. SQLite has one writer at a time: its write lock is taken before
    anything is read (BEGIN IMMEDIATE; a deferred transaction would read, then find another
    writer got there first, and fail). Inside a caller's transaction atomic() is only a
    savepoint, so a write that inserts nothing takes the lock instead; if the caller has already
    read an older snapshot, SQLite refuses it and the caller's transaction fails rather than
    acting on a stale reading.
    """
    if not is_sqlite():
        with database.atomic():
            for key in sorted(set(advisory_keys)):
                # Advisory locks belong to the whole database, not a schema: the key is hashed
                # with the schema in use, so two portals (or two test processes) in schemas of
                # one database never hold each other up. Every process of one portal uses the
                # same schema, so they still take the same lock.
                database.execute_sql("SELECT pg_advisory_xact_lock(hashtext(current_schema() || %s))",
                                     (":" + ":".join(str(part) for part in key),))
            yield
    elif not database.in_transaction():
        with database.atomic(lock_type="IMMEDIATE"):
            yield
    else:
        with database.atomic():
            database.execute_sql('INSERT INTO "schema_migration" ("id") SELECT NULL WHERE 0')
            yield


# Set in the environ of a request made up by code that already holds the connection (the
# demo's, which needs a request only to build the links in its emails): its end leaves the
# connection open for that code.
KEEPS_CONNECTION = "accord.keeps_connection"


def register_request_hooks(app):
    """Open a connection before each request and close it after, as peewee recommends (with a
    pool, closing gives it back to the pool)."""

    @app.before_request
    def _connect():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if request.environ.get(KEEPS_CONNECTION):
            return
        if not database.is_closed():
            database.close()
