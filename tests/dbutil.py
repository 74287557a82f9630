"""Test databases: a fresh SQLite file per test, or one PostgreSQL schema per run, wiped between tests."""

import os
import uuid

from peewee import AutoField, PostgresqlDatabase

from portal import migrations
from portal.db import database
from portal.migrations import m0019_service_lists
from portal.models import MODELS, SchemaMigration

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
# A statement slower than this fails its test instead of holding the whole run: a bad plan on a
# test-sized database (statistics of an emptied table) once ran for many minutes.
STATEMENT_TIMEOUT_MS = 60_000


def postgres_schema_url(schema):
    """The test URL, with every connection's search_path set to `schema` and its statements
    limited to STATEMENT_TIMEOUT_MS."""
    separator = "&" if "?" in POSTGRES_URL else "?"
    return (f"{POSTGRES_URL}{separator}options=-c%20search_path%3D{schema}"
            f"%20-c%20statement_timeout%3D{STATEMENT_TIMEOUT_MS}")


def new_schema_name():
    return f"accord_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"


def create_schema(schema):
    from portal.db import open_database
    admin = open_database(POSTGRES_URL)
    with admin.connection_context():
        admin.execute_sql(f'CREATE SCHEMA "{schema}"')
    admin.close()


def drop_schema(schema):
    from portal.db import open_database
    admin = open_database(POSTGRES_URL)
    with admin.connection_context():
        admin.execute_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.close()


def wipe():
    """Remove every row from every table, keeping the schema (and the migration stamps), and
    seed the service's lists again.

    The audit table refuses DELETE and TRUNCATE (portal/migrations/m0003), so the wipe steps
    round that guard inside its own transaction: nothing outside it ever sees the guard gone."""
    models = [m for m in MODELS if m is not SchemaMigration]
    db = database.obj
    with db.atomic():
        if isinstance(db, PostgresqlDatabase):
            _wipe_postgresql(db, models)
        else:
            _wipe_sqlite(db, models)
        # The service's lists start as a new database's do (migration 19's seed).
        m0019_service_lists.seed(db)


def _wipe_postgresql(db, models):
    # Replica mode fires no ordinary triggers (the audit guard, foreign keys) until the end of
    # this transaction; it needs a superuser, as the CI role is. DELETE and resetting the id
    # sequences is many times faster than TRUNCATE on tables this small.
    db.execute_sql("SET LOCAL session_replication_role = replica")
    restarts = ", ".join(
        f"setval(pg_get_serial_sequence('\"{m._meta.table_name}\"', "
        f"'{m._meta.primary_key.column_name}'), 1, false)"
        for m in models if isinstance(m._meta.primary_key, AutoField))
    db.execute_sql("; ".join([*(f'DELETE FROM "{m._meta.table_name}"' for m in models),
                              f"SELECT {restarts}"]))


def _wipe_sqlite(db, models):
    # Foreign keys cannot be switched off inside a transaction, so they are deferred to its end,
    # by when every table is empty. The audit guard is dropped and put back exactly as it was.
    db.execute_sql("PRAGMA defer_foreign_keys = ON")
    guard = db.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
    ).fetchall()
    for name, _ in guard:
        db.execute_sql(f'DROP TRIGGER "{name}"')
    for model in models:
        db.execute_sql(f'DELETE FROM "{model._meta.table_name}"')
    for _, sql in guard:
        db.execute_sql(sql)


def upgrade():
    return migrations.upgrade(database.obj)
