"""The peewee database: initialised late from DATABASE_URL, one connection per request."""

from peewee import DatabaseProxy, SqliteDatabase
from playhouse.db_url import connect

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    # Wait for a writer instead of failing at once with "database is locked".
    "busy_timeout": 5000,
    "synchronous": "normal",
}


def open_database(url):
    """A peewee database for `url` (sqlite:/// or postgresql://), with the SQLite pragmas set."""
    if url.startswith("sqlite"):
        db = connect(url, pragmas=SQLITE_PRAGMAS)
    else:
        db = connect(url)
    return db


def init_database(url):
    """Point the shared proxy at the database for `url` and return it."""
    db = open_database(url)
    database.initialize(db)
    return db


def is_sqlite(db=None):
    db = db or database.obj
    return isinstance(db, SqliteDatabase)


def register_request_hooks(app):
    """Open a connection before each request and close it after, as peewee recommends."""

    @app.before_request
    def _connect():
        database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not database.is_closed():
            database.close()
