"""The database itself refuses to change or remove audit rows: triggers on audit_event.

SQLite: BEFORE UPDATE and BEFORE DELETE triggers that RAISE(ABORT), and a BEFORE INSERT one
that refuses an insert reusing an existing id (INSERT OR REPLACE deletes the old row without
firing delete triggers). PostgreSQL: one trigger function, fired for each row on UPDATE or
DELETE (INSERT ... ON CONFLICT DO UPDATE is an update) and once per statement on TRUNCATE.

`create_after_tables` is the one place the guard is made: this migration calls it on an
existing database, and a new database gets it from the same function right after
create_tables(), which cannot make triggers (see portal/migrations/__init__.py). The SQL is
written out here, not imported, so that later code changes do not change what this migration
does.
"""

from peewee import DatabaseProxy, PostgresqlDatabase

NAME = "audit trail append-only"

REFUSED = "audit_event is append-only"

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: DELETE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_replace BEFORE INSERT ON audit_event
        WHEN EXISTS (SELECT 1 FROM audit_event WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: replacing a row refused'); END""",
]

# No "%" anywhere: psycopg2 would read it as a parameter placeholder.
POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING MESSAGE = '{REFUSED}: ' || TG_OP || ' refused';
        END
        $$""",
    "DROP TRIGGER IF EXISTS audit_event_no_update_or_delete ON audit_event",
    """CREATE TRIGGER audit_event_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()""",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()""",
]


def create_after_tables(db):
    """Put the append-only guard on audit_event (safe to run twice)."""
    if isinstance(db, DatabaseProxy):
        db = db.obj
    for statement in POSTGRESQL if isinstance(db, PostgresqlDatabase) else SQLITE:
        db.execute_sql(statement)


def upgrade(db, migrator):
    create_after_tables(db)
