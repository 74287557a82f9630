"""Anchors of the audit trail kept outside the database: written every day and by `audit anchor`,
and checked by `audit verify` without being told, so that rows cut from the end of the trail, or
the whole trail emptied, are found."""

import stat
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from portal import audit
from portal.db import database
from portal.models import AuditEvent
from tests.factories import make_case, make_user
from tests.test_audit_chain import attacker, verify, write_events

DAY_ONE = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_memory(monkeypatch):
    """Each test is a new process as far as the daily anchor's memory goes."""
    monkeypatch.setattr(audit, "_anchored_on", {})


@pytest.fixture(autouse=True)
def in_app_context(app):
    """Audit rows written as the app writes them: inside its application context."""
    with app.app_context():
        yield


def anchor_file(app):
    return app.config["AUDIT_ANCHOR_FILE"]


def lines(app):
    path = anchor_file(app)
    return path.read_text().splitlines() if path.exists() else []


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_the_anchor_file_is_under_the_instance_folder_by_default(app, tmp_path):
    assert anchor_file(app) == tmp_path / "audit-anchors.txt"


def test_the_anchor_command_appends_the_count_last_id_last_hash_and_time(app):
    with time_machine.travel(DAY_ONE, tick=False):
        rows = write_events(3)
        before = lines(app)
        result = run(app, "audit", "anchor")
    assert result.exit_code == 0, result.output
    last = AuditEvent.get_by_id(rows[-1].id)
    expected = f"2026-06-01T09:00:00Z rows=3 last_id={last.id} last_hash={last.row_hash}"
    assert lines(app) == [*before, expected]
    assert expected in result.output
    assert stat.S_IMODE(anchor_file(app).stat().st_mode) == 0o600
    # Appended, never rewritten.
    with time_machine.travel(DAY_ONE + timedelta(hours=1), tick=False):
        write_events(1)
        run(app, "audit", "anchor")
    assert lines(app)[:len(before) + 1] == [*before, expected]
    assert len(lines(app)) == len(before) + 2


def test_verify_finds_rows_cut_from_the_end_without_being_told(app, database_url):
    rows = write_events(4)
    run(app, "audit", "anchor")
    with attacker(database_url) as cursor:
        cursor.execute(f"DELETE FROM audit_event WHERE id >= {rows[2].id}")
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.strip() == (f"broken: row {rows[-1].id} was recorded but is gone: "
                                     "rows were removed from the end of the trail")


def test_verify_finds_rows_removed_and_the_chain_rehashed_before_an_anchored_row(app, database_url):
    rows = write_events(4)
    run(app, "audit", "anchor")
    with attacker(database_url) as cursor:
        # Remove the first row and re-chain the rest, as someone who knows the algorithm would.
        cursor.execute(f"DELETE FROM audit_event WHERE id = {rows[0].id}")
        prev = audit.GENESIS_HASH
        for row in rows[1:]:
            values = AuditEvent.select().where(AuditEvent.id == row.id).dicts().get()
            new_hash = audit.row_digest(prev, values)
            cursor.execute(f"UPDATE audit_event SET prev_hash = '{prev}', row_hash = '{new_hash}' "
                           f"WHERE id = {row.id}")
            prev = new_hash
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.startswith(f"broken: row {rows[-1].id} no longer has the recorded hash")


def test_verify_finds_an_emptied_trail_in_a_database_with_cases(app, database_url):
    write_events(3)  # with a user and a case
    with attacker(database_url) as cursor:
        cursor.execute("DELETE FROM audit_event")
    anchor_file(app).unlink()  # even with no anchor at all
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.strip() == ("broken: the trail is empty but the database holds cases and "
                                     "users: its rows were removed")


def test_an_empty_trail_with_only_a_case_is_broken_too(app):
    make_case()
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.strip() == ("broken: the trail is empty but the database holds cases: "
                                     "its rows were removed")


def test_verify_passes_on_a_fresh_empty_database(app):
    result = verify(app)
    assert result.exit_code == 0
    assert result.output.startswith("intact\n0 rows")


def test_verify_passes_when_the_trail_reaches_every_anchor(app):
    write_events(2)
    run(app, "audit", "anchor")
    write_events(2)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert f"Checked against {len(lines(app))} anchors in {anchor_file(app)}" in result.output


def test_a_changed_anchor_file_is_reported(app):
    write_events(2)
    run(app, "audit", "anchor")
    with anchor_file(app).open("a") as file:
        file.write("someone was here\n")
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.startswith("broken: the anchor file was changed: line ")


def test_the_anchor_command_refuses_to_vouch_for_a_broken_trail(app, database_url):
    rows = write_events(3)
    with attacker(database_url) as cursor:
        cursor.execute(f"UPDATE audit_event SET detail = 'x' WHERE id = {rows[1].id}")
    before = lines(app)
    result = run(app, "audit", "anchor")
    assert result.exit_code == 1
    assert f"broken: row {rows[1].id} was altered" in result.output
    assert lines(app) == before


# --- the daily anchor -------------------------------------------------------------------------

def test_the_first_audit_row_of_each_day_appends_an_anchor(app):
    with time_machine.travel(DAY_ONE, tick=False):
        first_day = write_events(3)
    assert lines(app) == [f"2026-06-01T09:00:00Z rows=0 last_id=0 last_hash={audit.GENESIS_HASH}"]
    with time_machine.travel(DAY_ONE + timedelta(hours=14), tick=False):
        write_events(1)  # still the first of June
    assert len(lines(app)) == 1
    with time_machine.travel(DAY_ONE + timedelta(days=1), tick=False):
        write_events(2)
    last = AuditEvent.get_by_id(first_day[-1].id + 1)  # the last row of the first day
    assert lines(app)[1] == (f"2026-06-02T09:00:00Z rows=4 last_id={last.id} "
                             f"last_hash={last.row_hash}")
    assert len(lines(app)) == 2


def test_another_process_that_anchored_today_is_not_repeated(app, monkeypatch):
    with time_machine.travel(DAY_ONE, tick=False):
        write_events(1)
        monkeypatch.setattr(audit, "_anchored_on", {})  # another process, with no memory yet
        write_events(1)
    assert len(lines(app)) == 1


def test_the_daily_anchor_holds_only_committed_rows(app):
    """A row of a transaction that is rolled back afterwards is not anchored (verify would then
    report it gone)."""
    with time_machine.travel(DAY_ONE, tick=False):
        write_events(1)
    with time_machine.travel(DAY_ONE + timedelta(days=1), tick=False):
        user = make_user()
        with pytest.raises(RuntimeError), database.atomic():
            audit._anchored_on[str(anchor_file(app))] = (DAY_ONE + timedelta(days=1)).date()
            audit.record("auth.signed_in", actor=user, remote_addr="192.0.2.1")
            audit._anchored_on.clear()  # the day turns between two rows of one transaction
            audit.record("auth.signed_out", actor=user, remote_addr="192.0.2.1")
            raise RuntimeError("the transaction fails")
    assert len(lines(app)) == 2
    assert audit.parse_anchor_line(lines(app)[1]).rows == 1  # the first day's row alone
    assert verify(app).exit_code == 0


def test_processes_anchoring_at_once_write_one_anchor(app):
    path = anchor_file(app)
    today = DAY_ONE.date()
    start = threading.Barrier(8)
    written = []

    def take():
        return audit.Anchor(DAY_ONE.replace(tzinfo=None), 0, 0, audit.GENESIS_HASH)

    def anchor():
        start.wait()
        written.append(audit.append_anchor(path, take, unless_taken_on=today))

    threads = [threading.Thread(target=anchor) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([a for a in written if a is not None]) == 1
    assert len(path.read_text().splitlines()) == 1


def test_an_anchor_file_that_cannot_be_written_does_not_stop_the_trail(app, caplog):
    app.config["AUDIT_ANCHOR_FILE"] = anchor_file(app).parent / "not-a-folder"
    (anchor_file(app)).write_text("")
    app.config["AUDIT_ANCHOR_FILE"] = anchor_file(app) / "audit-anchors.txt"
    rows = write_events(1)
    assert AuditEvent.get_by_id(rows[0].id)
    assert "Audit anchor not written" in caplog.text


def test_a_database_with_the_demo_loaded_verifies(app):
    result = run(app, "demo", "load")
    assert result.exit_code == 0, result.output
    assert verify(app).exit_code == 0
