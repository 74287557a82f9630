"""The audit trail: append-only rows, each hashed together with the row before it.

Rows say who did what to which record, when (UTC) and from where; never the contents of a note
or a concern. The database refuses UPDATE, DELETE and (PostgreSQL) TRUNCATE of audit rows
(portal/migrations/m0003_audit_append_only.py). The hash chain is the second line: someone who
gets round the database's guard and edits or removes a row breaks the chain there, and
`check_chain` names the first row where it breaks.

What a chain cannot show on its own: that rows were cut off its end (the shorter chain is still
a valid chain), or that someone rewrote a row and recomputed every hash after it (the hash is
not secret). Both are caught by an anchor: the id and hash of a row, as `audit verify` prints
them, kept somewhere the database's administrators cannot change. A later check given that
anchor fails if the row is gone or its hash differs.
"""

import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass

from portal.db import database, is_sqlite
from portal.models import AuditEvent, utcnow

GENESIS_HASH = "0" * 64
_HASHED_FIELDS = ("created_at", "actor_id", "event", "record_type", "record_id", "case_id",
                  "remote_addr", "detail")

# Plain words for the kinds of event, for the audit page; an unknown kind is shown as it is.
EVENT_WORDS = {
    "auth.signed_in": "Signed in",
    "auth.sign_in_failed": "Sign-in failed",
    "auth.sign_in_refused": "Sign-in refused: too many failed attempts",
    "auth.signed_out": "Signed out",
    "account.invited": "Account invited",
    "account.reinvited": "Invitation sent again",
    "account.invitation_used": "Invitation accepted, password set",
    "account.password_reset_requested": "Password reset asked for",
    "account.password_reset_refused": "Password reset refused: too many requests",
    "account.password_reset_used": "Password reset used",
    "account.password_changed": "Password changed",
    "account.deactivated": "Account deactivated",
    "account.reactivated": "Account reactivated",
    "consent.changed": "Consent changed",
    "referral.accepted": "Referral accepted",
    "referral.declined": "Referral declined",
    "case.coaches_allocated": "Coaches allocated",
    "case.closed": "Case closed",
    "case.reopened": "Case reopened",
    "case.follow_on_opened": "Follow-on coaching case opened",
    "note.written": "Note written",
    "note.edited": "Note edited",
    "note.withdrawn": "Note withdrawn",
    "note.deleted": "Note deleted",
    "note.shared": "Note shared",
    "note.unshared": "Note unshared",
    "note.file_added": "File added to a note",
    "note.file_removed": "File removed from a note",
    "note.override_read": "Note opened under the safeguarding override",
    "safeguarding.concern_raised": "Safeguarding concern raised",
    "safeguarding.leads_emailed": "Safeguarding leads emailed",
    "safeguarding.concern_acknowledged": "Safeguarding concern acknowledged",
    "safeguarding.action_recorded": "Safeguarding action recorded",
    "safeguarding.addendum_added": "Safeguarding addendum added",
    "safeguarding.concern_closed": "Safeguarding concern closed",
    "safeguarding.concern_reopened": "Safeguarding concern reopened",
}


def event_words(event):
    """The plain words for an event kind (the kind itself when it has none)."""
    return EVENT_WORDS.get(event, event)


def row_digest(prev_hash, values):
    """SHA-256 over the previous row's hash and this row's fields, in a fixed form."""
    canonical = json.dumps(
        {name: (str(values[name]) if values[name] is not None else None) for name in _HASHED_FIELDS},
        sort_keys=True,
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


# --- writing --------------------------------------------------------------------------------

@contextmanager
def _chain_locked():
    """A transaction in which this writer alone appends to the chain: two writers must not both
    read the same last row and chain onto it."""
    if not is_sqlite():
        with database.atomic():
            database.execute_sql("SELECT pg_advisory_xact_lock(4242)")
            yield
    elif not database.in_transaction():
        # SQLite: take the write lock before reading the last hash. A deferred transaction would
        # read, then find that another writer got there first, and fail.
        with database.atomic(lock_type="IMMEDIATE"):
            yield
    else:
        # Inside the caller's transaction atomic() is only a savepoint, so no BEGIN IMMEDIATE: a
        # write that inserts nothing takes the write lock now, waiting for it if need be. If the
        # caller has already read an older snapshot, SQLite refuses the lock and the caller's
        # transaction fails: the chain still cannot fork.
        with database.atomic():
            database.execute_sql('INSERT INTO "audit_event" ("id") SELECT NULL WHERE 0')
            yield


def record(event, *, actor=None, record=None, case_id=None, detail="", remote_addr=""):
    """Append one event. `actor` is a User or None; `record` any model instance or None."""
    values = {
        "created_at": utcnow().replace(microsecond=0),
        "actor_id": actor.id if actor is not None else None,
        "event": event,
        "record_type": type(record).__name__ if record is not None else "",
        "record_id": record.id if record is not None else None,
        "case_id": case_id,
        "remote_addr": remote_addr or "",
        "detail": detail,
    }
    with _chain_locked():
        last = AuditEvent.select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).first()
        prev_hash = last.row_hash if last else GENESIS_HASH
        return AuditEvent.create(prev_hash=prev_hash, row_hash=row_digest(prev_hash, values), **values)


# --- checking -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChainReport:
    """What `check_chain` found: intact or not, how far it got, and the first break."""
    intact: bool
    rows: int  # rows read, up to and including the first broken one
    last_id: int | None  # the last row that was read
    last_hash: str  # that row's stored hash (GENESIS_HASH when there were no rows)
    problem: str = ""  # "row 17 was altered", "a row before 18 was removed", ...


def parse_anchor(text):
    """"<row id>:<hash>" (as `audit verify` prints them) as (id, hash); ValueError if malformed."""
    row_id, sep, row_hash = (text or "").strip().partition(":")
    row_hash = row_hash.strip().lower()
    if not sep or not row_id.strip().isdigit() or len(row_hash) != 64 or not _is_hex(row_hash):
        raise ValueError("An anchor is a row id and its 64-character hash: 1234:9f86d0...")
    return int(row_id), row_hash


def _is_hex(text):
    return all(ch in "0123456789abcdef" for ch in text)


def check_chain(rows, anchor=None):
    """Walk `rows` (mappings with id, the hashed fields, prev_hash and row_hash, in id order)
    and report the first row that was altered or removed.

    A row whose stored hash does not match its own fields was altered. A row whose prev_hash is
    not the hash of the row before it follows a removed row (when ids are missing in between) or
    follows a row that was altered and re-hashed (when none are). `anchor`, (id, hash) recorded
    from an earlier check, also catches rows cut from the end and a rewritten chain; without it
    neither can be seen. Ids may have gaps (PostgreSQL does not reuse an id after a rollback), so
    a gap alone is not a break.
    """
    count, previous, expected = 0, None, GENESIS_HASH
    anchor_seen = False

    def report(problem=""):
        return ChainReport(intact=not problem, rows=count,
                           last_id=previous["id"] if previous else None,
                           last_hash=previous["row_hash"] if previous else GENESIS_HASH,
                           problem=problem)

    for row in rows:
        count += 1
        before, previous = previous, row
        if row_digest(row["prev_hash"], row) != row["row_hash"]:
            return report(f"row {row['id']} was altered")
        if row["prev_hash"] != expected:
            if before is None or row["id"] != before["id"] + 1:
                return report(f"a row before {row['id']} was removed")
            return report(f"row {row['id']} does not follow row {before['id']}: "
                          "one of them was altered and its hash recomputed")
        expected = row["row_hash"]
        if anchor is not None and row["id"] == anchor[0]:
            anchor_seen = True
            if row["row_hash"] != anchor[1]:
                return report(f"row {row['id']} no longer has the recorded hash: "
                              "the trail was rewritten from that row or before it")
    if anchor is not None and not anchor_seen:
        if previous is None or anchor[0] > previous["id"]:
            return report(f"row {anchor[0]} was recorded but is gone: "
                          "rows were removed from the end of the trail")
        return report(f"row {anchor[0]} was recorded but is gone: it was removed")
    return report()


def all_rows(batch_size=1000):
    """Every audit row as a mapping, in id order, read in batches so memory stays flat."""
    last_id = 0
    while True:
        batch = list(AuditEvent.select()
                     .where(AuditEvent.id > last_id)
                     .order_by(AuditEvent.id)
                     .limit(batch_size)
                     .dicts())
        yield from batch
        if len(batch) < batch_size:
            return
        last_id = batch[-1]["id"]


def check_database(anchor=None):
    """`check_chain` over the audit table of the current database."""
    return check_chain(all_rows(), anchor=anchor)
