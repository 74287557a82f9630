"""The hash chain: `check_chain` over rows, and `flask --app wsgi audit verify` on a database
whose rows someone changed or removed through a connection of their own."""

import contextlib
import hashlib
import re
from datetime import datetime, timedelta

import pytest

from portal import audit
from portal.db import is_sqlite, open_database
from portal.migrations import m0003_audit_append_only
from portal.models import AuditEvent
from tests.factories import make_case, make_user

# --- check_chain over rows -------------------------------------------------------------------


def chained(ids):
    """Rows with these ids, each correctly chained to the one before, as the table holds them."""
    rows, prev = [], audit.GENESIS_HASH
    start = datetime(2026, 3, 1, 9, 0, 0)
    for n, row_id in enumerate(ids):
        row = {"id": row_id, "created_at": start + timedelta(minutes=n), "actor_id": 7,
               "event": "auth.signed_in", "record_type": "User", "record_id": 7, "case_id": None,
               "remote_addr": "192.0.2.10", "detail": ""}
        row["prev_hash"] = prev
        row["row_hash"] = prev = audit.row_digest(prev, row)
        rows.append(row)
    return rows


def rehash_from(rows, index):
    """What an attacker who knows the algorithm does after changing rows[index]: recompute every
    hash from there on, so the chain is valid again."""
    prev = rows[index - 1]["row_hash"] if index else audit.GENESIS_HASH
    for row in rows[index:]:
        row["prev_hash"] = prev
        row["row_hash"] = prev = audit.row_digest(prev, row)


# Known answers: the canonical form of a row, written out by hand (fields in name order, every
# value as a string or null, JSON with ", " and ": " and non-ASCII as \u escapes), and its
# SHA-256 computed from that literal text with hashlib alone, never from row_digest. A change to
# the canonical form, however small, would break every chain already stored: it must fail here.
KNOWN_ROWS = [
    ({"created_at": datetime(2026, 3, 1, 9, 0, 0), "actor_id": 7, "event": "auth.signed_in",
      "record_type": "User", "record_id": 7, "case_id": None, "remote_addr": "192.0.2.10",
      "detail": "state=given \u00e9"},
     '{"actor_id": "7", "case_id": null, "created_at": "2026-03-01 09:00:00", '
     '"detail": "state=given \\u00e9", "event": "auth.signed_in", "record_id": "7", '
     '"record_type": "User", "remote_addr": "192.0.2.10"}',
     "8c76106b3bebd9221e29825cfbe42a08b602fff851c96910238f645c26f95271"),
    ({"created_at": datetime(2026, 3, 1, 9, 1, 0), "actor_id": None, "event": "case.closed",
      "record_type": "Case", "record_id": 12, "case_id": 12, "remote_addr": "", "detail": ""},
     '{"actor_id": null, "case_id": "12", "created_at": "2026-03-01 09:01:00", "detail": "", '
     '"event": "case.closed", "record_id": "12", "record_type": "Case", "remote_addr": ""}',
     "8f8439b8668459667ddf3839cf720b15cc68080f7a60542ceba740d8d0364109"),
]


def test_the_row_hash_has_a_known_answer():
    prev = "0" * 64  # the genesis hash, written out
    assert audit.GENESIS_HASH == prev
    for values, canonical, expected in KNOWN_ROWS:
        # The derivation of the literal, checked: SHA-256 of the previous hash and the text.
        assert hashlib.sha256((prev + canonical).encode()).hexdigest() == expected
        assert audit.row_digest(prev, values) == expected
        prev = expected


def test_a_clean_chain_is_intact():
    rows = chained(range(1, 6))
    report = audit.check_chain(rows)
    assert report.intact and report.problem == ""
    assert (report.rows, report.last_id, report.last_hash) == (5, 5, rows[4]["row_hash"])


def test_an_empty_trail_is_intact():
    report = audit.check_chain([])
    assert report.intact and (report.rows, report.last_id, report.last_hash) == (0, None, audit.GENESIS_HASH)


@pytest.mark.parametrize("field, value", [
    ("remote_addr", "198.51.100.1"), ("actor_id", 8), ("event", "auth.signed_out"),
    ("record_id", 9), ("case_id", 3), ("created_at", datetime(2026, 3, 1, 9, 2, 1)),
    ("detail", "state=given"), ("record_type", "Case"),
])
def test_a_changed_field_names_its_row(field, value):
    rows = chained(range(1, 6))
    rows[2][field] = value
    report = audit.check_chain(rows)
    assert not report.intact
    assert report.problem == "row 3 was altered"
    assert report.rows == 3


def test_a_changed_hash_is_an_altered_row():
    rows = chained(range(1, 4))
    rows[1]["row_hash"] = "f" * 64
    assert audit.check_chain(rows).problem == "row 2 was altered"


def test_a_row_removed_from_the_middle_names_the_row_after_it():
    rows = chained(range(1, 6))
    del rows[2]
    assert audit.check_chain(rows).problem == "a row before 4 was removed"


def test_the_first_row_removed_is_found():
    rows = chained(range(1, 4))
    assert audit.check_chain(rows[1:]).problem == "a row before 2 was removed"


def test_gaps_in_the_ids_alone_are_not_a_break():
    # PostgreSQL does not give an id back after a rolled-back insert.
    assert audit.check_chain(chained([1, 2, 5, 9])).intact


def test_a_row_altered_and_rehashed_breaks_the_link_to_the_next_row():
    rows = chained(range(1, 6))
    rows[2]["remote_addr"] = "198.51.100.1"
    rows[2]["row_hash"] = audit.row_digest(rows[2]["prev_hash"], rows[2])
    problem = audit.check_chain(rows).problem
    assert problem.startswith("row 4 does not follow row 3")


def test_rows_cut_from_the_end_are_invisible_without_an_anchor_and_found_with_one():
    rows = chained(range(1, 6))
    anchor = (5, rows[4]["row_hash"])
    shorter = rows[:3]
    assert audit.check_chain(shorter).intact
    report = audit.check_chain(shorter, anchor=anchor)
    assert not report.intact
    assert report.problem.startswith("row 5 was recorded but is gone")
    assert audit.check_chain(rows, anchor=anchor).intact


def test_a_rewritten_chain_is_invisible_without_an_anchor_and_found_with_one():
    rows = chained(range(1, 6))
    anchor = (4, rows[3]["row_hash"])
    rows[1]["remote_addr"] = "198.51.100.1"
    rehash_from(rows, 1)
    assert audit.check_chain(rows).intact
    assert audit.check_chain(rows, anchor=anchor).problem.startswith(
        "row 4 no longer has the recorded hash")


def test_an_anchored_row_removed_from_the_middle_is_found():
    rows = chained(range(1, 6))
    anchor = (3, rows[2]["row_hash"])
    del rows[2]
    rehash_from(rows, 2)
    assert audit.check_chain(rows).intact
    assert audit.check_chain(rows, anchor=anchor).problem == "row 3 was recorded but is gone: it was removed"


@pytest.mark.parametrize("text", ["", "12", "12:abc", "x:" + "a" * 64, "12:" + "g" * 64, "12;" + "a" * 64])
def test_a_malformed_anchor_is_refused(text):
    with pytest.raises(ValueError):
        audit.parse_anchor(text)


def test_an_anchor_is_read_as_printed():
    assert audit.parse_anchor(" 12:" + "AB" * 32 + " ") == (12, "ab" * 32)


# --- the database and the command ------------------------------------------------------------

def write_events(count):
    user, case = make_user(), make_case()
    return [audit.record("consent.changed", actor=user, record=case, case_id=case.id,
                         detail="state=given", remote_addr=f"192.0.2.{n}") for n in range(count)]


def verify(app, *args):
    result = app.test_cli_runner().invoke(args=["audit", "verify", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@contextlib.contextmanager
def attacker(database_url):
    """A connection of its own, outside the app's models, that first drops the audit table's
    guard, as someone with access to the database could. The guard is put back afterwards (the
    PostgreSQL schema is shared by the whole run)."""
    db = open_database(database_url)
    connection = db.connection()
    cursor = connection.cursor()
    if is_sqlite(db):
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")
        names = [f'"{name}"' for name, in cursor.fetchall()]
    else:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass "
                       "AND NOT tgisinternal")
        names = [f'"{name}" ON audit_event' for name, in cursor.fetchall()]
    assert names, "the audit table has no guard to drop"
    for name in names:
        cursor.execute(f"DROP TRIGGER {name}")
    try:
        yield cursor
        connection.commit()
    finally:
        db.close()
        guard = open_database(database_url)
        m0003_audit_append_only.create_after_tables(guard)
        guard.close()


def test_the_command_says_intact_and_prints_the_count_and_last_hash(app):
    rows = write_events(4)
    result = verify(app)
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "intact"
    last = AuditEvent.get_by_id(rows[-1].id)
    assert f"4 rows; last row {last.id}, hash {last.row_hash}" in result.output
    assert f"--anchor {last.id}:{last.row_hash}" in result.output


def test_the_command_on_an_empty_trail_says_intact(app):
    result = verify(app)
    assert result.exit_code == 0 and result.output.startswith("intact\n0 rows")


def test_a_row_changed_through_a_raw_connection_is_named(app, database_url):
    rows = write_events(5)
    target = rows[2].id
    with attacker(database_url) as cursor:
        cursor.execute(f"UPDATE audit_event SET remote_addr = '203.0.113.66' WHERE id = {target}")
    assert AuditEvent.get_by_id(target).remote_addr == "203.0.113.66"
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.strip() == f"broken: row {target} was altered"


def test_a_row_deleted_from_the_middle_is_found(app, database_url):
    rows = write_events(5)
    with attacker(database_url) as cursor:
        cursor.execute(f"DELETE FROM audit_event WHERE id = {rows[2].id}")
    result = verify(app)
    assert result.exit_code == 1
    assert result.output.strip() == f"broken: a row before {rows[3].id} was removed"


def test_the_last_row_deleted_needs_the_anchor_printed_before(app, database_url):
    """A chain cannot see its own tail cut off: the shorter chain is valid. With no anchor in the
    anchor file (these rows were written outside a request, so no daily anchor was taken; see
    tests/test_audit_anchors.py for those), the anchor printed by an earlier run, given as
    --anchor, still finds it."""
    rows = write_events(3)
    before = verify(app)
    anchor = re.search(r"--anchor (\d+:[0-9a-f]{64})", before.output).group(1)
    with attacker(database_url) as cursor:
        cursor.execute(f"DELETE FROM audit_event WHERE id = {rows[-1].id}")

    after = verify(app)
    assert after.exit_code == 0 and after.output.startswith("intact\n2 rows")
    assert rows[-1].row_hash not in after.output

    anchored = verify(app, "--anchor", anchor)
    assert anchored.exit_code == 1
    assert f"row {rows[-1].id} was recorded but is gone" in anchored.output


def test_a_malformed_anchor_is_a_usage_error(app):
    result = verify(app, "--anchor", "nonsense")
    assert result.exit_code == 2
    assert "--anchor" in result.output


def test_the_walker_reads_every_row_across_batches(app):
    rows = write_events(5)
    walked = list(audit.all_rows(batch_size=2))
    assert [r["id"] for r in walked] == [r.id for r in rows]
    assert audit.check_database().intact
