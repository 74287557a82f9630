"""The database refuses to change or remove audit rows, on a new database and on an upgraded one;
the test wipe still empties it; and two writers at once never chain onto the same row."""

import threading
import time

import pytest
from peewee import DatabaseError

from portal import audit, migrations
from portal.config import TestConfig
from portal.db import database, is_sqlite
from portal.migrations import m0001_initial
from portal.models import AuditEvent, SchemaMigration
from tests import dbutil
from tests.apps import build_app, new_database_url
from tests.factories import make_user

REFUSED = "append-only"


def write_events(count):
    user = make_user()
    return [audit.record("auth.signed_in", actor=user, record=user, remote_addr="192.0.2.1")
            for _ in range(count)]


def refused(statement, db=None):
    """Run raw SQL; return the database's refusal message, or None if it was carried out."""
    db = db or database.obj
    try:
        with db.atomic():
            db.execute_sql(statement)
    except DatabaseError as error:
        return str(error)
    return None


# --- the guard ------------------------------------------------------------------------------

@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET remote_addr = '203.0.113.9' WHERE id = {id}",
    "UPDATE audit_event SET event = 'nothing.happened'",
    "DELETE FROM audit_event WHERE id = {id}",
    "DELETE FROM audit_event",
])
def test_the_database_refuses_to_change_or_remove_audit_rows(app, statement):
    rows = write_events(3)
    before = list(AuditEvent.select().order_by(AuditEvent.id).tuples())
    message = refused(statement.format(id=rows[1].id))
    assert message is not None and REFUSED in message
    assert list(AuditEvent.select().order_by(AuditEvent.id).tuples()) == before


def test_the_models_cannot_change_or_remove_audit_rows_either(app):
    row = write_events(1)[0]
    row.remote_addr = "203.0.113.9"
    with pytest.raises(DatabaseError, match=REFUSED), database.atomic():
        row.save()
    with pytest.raises(DatabaseError, match=REFUSED), database.atomic():
        row.delete_instance()
    assert AuditEvent.get_by_id(row.id).remote_addr == "192.0.2.1"


def test_truncate_is_refused_on_postgresql(app):
    if is_sqlite():
        pytest.skip("SQLite has no TRUNCATE (DELETE without WHERE is tested above)")
    write_events(2)
    message = refused("TRUNCATE audit_event")
    assert message is not None and REFUSED in message
    assert AuditEvent.select().count() == 2


def test_insert_or_replace_cannot_swap_a_row_on_sqlite(app):
    if not is_sqlite():
        pytest.skip("PostgreSQL has no INSERT OR REPLACE (ON CONFLICT DO UPDATE is an update)")
    row = write_events(2)[0]
    message = refused(
        "INSERT OR REPLACE INTO audit_event (id, created_at, event, record_type, remote_addr, "
        f"detail, prev_hash, row_hash) SELECT id, created_at, 'nothing.happened', record_type, "
        f"remote_addr, detail, prev_hash, row_hash FROM audit_event WHERE id = {row.id}")
    assert message is not None and REFUSED in message
    assert AuditEvent.get_by_id(row.id).event == "auth.signed_in"


def test_an_upsert_is_an_update_and_refused_on_postgresql(app):
    if is_sqlite():
        pytest.skip("tested as INSERT OR REPLACE on SQLite")
    row = write_events(1)[0]
    message = refused(
        "INSERT INTO audit_event (id, created_at, event, record_type, remote_addr, detail, "
        f"prev_hash, row_hash) SELECT id, created_at, event, record_type, remote_addr, detail, "
        f"prev_hash, row_hash FROM audit_event WHERE id = {row.id} "
        "ON CONFLICT (id) DO UPDATE SET event = 'nothing.happened'")
    assert message is not None and REFUSED in message


# --- a new database and an upgraded one get the same guard -----------------------------------

def guard_of(db):
    """The names of the triggers on audit_event."""
    if is_sqlite(db):
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'"
    else:
        sql = ("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass "
               "AND NOT tgisinternal")
    return {name for name, in db.execute_sql(sql).fetchall()}


def upgraded_guard(tmp_path, name, prepare):
    """Build a database with `prepare(db)`, run `db upgrade`, and report its guard and whether
    it refuses an update of a row written after."""
    with new_database_url(tmp_path, name) as url:
        app = build_app(TestConfig, tmp_path, DATABASE_URL=url)
        with database.connection_context():
            prepare(database.obj)
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with database.connection_context():
            write_events(1)
            return guard_of(database.obj), refused("UPDATE audit_event SET detail = 'x'")


def first_release(db):
    """What `db upgrade` made of a new database at the first release: migration 1's tables."""
    m0001_initial.upgrade(db, migrations.migrator_for(db))
    SchemaMigration.create(number=1, name=m0001_initial.NAME)


def test_a_new_database_and_an_upgraded_one_get_the_same_guard(tmp_path):
    new_guard, new_refusal = upgraded_guard(tmp_path, "new", lambda db: None)
    old_guard, old_refusal = upgraded_guard(tmp_path, "first-release", first_release)
    assert new_guard and new_guard == old_guard
    assert REFUSED in new_refusal and REFUSED in old_refusal


def test_the_guard_can_be_put_on_twice(app):
    from portal.migrations import m0003_audit_append_only
    guard = guard_of(database.obj)
    m0003_audit_append_only.create_after_tables(database)
    assert guard_of(database.obj) == guard


# --- the test wipe --------------------------------------------------------------------------

def test_the_wipe_empties_the_trail_and_leaves_the_guard_in_place(app):
    write_events(3)
    guard = guard_of(database.obj)
    stamps = SchemaMigration.select().count()
    dbutil.wipe()
    assert AuditEvent.select().count() == 0
    assert SchemaMigration.select().count() == stamps
    assert guard_of(database.obj) == guard
    # Ids start again, as on a new database, and the guard still refuses.
    assert make_user().id == 1
    row = write_events(1)[0]
    assert row.prev_hash == audit.GENESIS_HASH
    assert REFUSED in refused(f"DELETE FROM audit_event WHERE id = {row.id}")


def test_the_guard_is_back_even_when_the_wipe_fails(app, monkeypatch):
    write_events(1)
    guard = guard_of(database.obj)
    monkeypatch.setattr(dbutil, "MODELS", [*dbutil.MODELS, type("Missing", (AuditEvent,), {})])
    with pytest.raises(DatabaseError):
        dbutil.wipe()
    assert guard_of(database.obj) == guard
    assert AuditEvent.select().count() == 1
    assert REFUSED in refused("DELETE FROM audit_event")


# --- two writers at once --------------------------------------------------------------------

ROWS_PER_WRITER = 60


def writer(start, errors, nested):
    """Append rows from a connection of this thread's own; `nested` writes each one inside a
    transaction the caller opened, where atomic() is only a savepoint."""
    try:
        database.connect(reuse_if_open=True)
        start.wait()
        for _ in range(ROWS_PER_WRITER):
            if nested:
                with database.atomic():
                    audit.record("auth.signed_in", remote_addr="192.0.2.2")
            else:
                audit.record("auth.signed_in", remote_addr="192.0.2.1")
    except Exception as error:  # reported to the test below, which fails on it
        errors.append(error)
    finally:
        database.close()


def test_two_writers_at_once_keep_one_unbroken_chain(app, monkeypatch):
    """Without the lock, PostgreSQL chains both writers onto the same row and SQLite fails one
    of them with "database is locked"."""
    digest = audit.row_digest

    def slow_digest(prev_hash, values):
        # Between reading the last hash and inserting: give the other writer every chance.
        time.sleep(0.001)
        return digest(prev_hash, values)

    monkeypatch.setattr(audit, "row_digest", slow_digest)
    errors, start = [], threading.Barrier(2)
    threads = [threading.Thread(target=writer, args=(start, errors, nested)) for nested in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = list(audit.all_rows())
    assert len(rows) == 2 * ROWS_PER_WRITER
    assert {r["remote_addr"] for r in rows} == {"192.0.2.1", "192.0.2.2"}
    # No two rows chain onto the same row, and the chain holds.
    assert len({r["prev_hash"] for r in rows}) == len(rows)
    assert audit.check_chain(rows).intact
