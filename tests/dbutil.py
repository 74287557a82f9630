"""Test databases: a fresh SQLite file per test, or one PostgreSQL schema per run, wiped between tests."""

import os
import uuid

from peewee import PostgresqlDatabase

from portal import migrations
from portal.db import database
from portal.models import MODELS

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def postgres_schema_url(schema):
    """The test URL, with every connection's search_path set to `schema`."""
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-c%20search_path%3D{schema}"


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
    """Remove every row from every table, keeping the schema (and the migration stamps)."""
    tables = [m._meta.table_name for m in MODELS if m._meta.table_name != "schema_migration"]
    db = database.obj
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        return
    db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        for table in tables:
            db.execute_sql(f'DELETE FROM "{table}"')
    finally:
        db.execute_sql("PRAGMA foreign_keys = ON")


def upgrade():
    return migrations.upgrade(database.obj)
