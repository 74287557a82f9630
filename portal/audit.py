"""The audit trail: append-only rows, each hashed together with the row before it.

Rows say who did what to which record, when (UTC) and from where; never the contents of a note
or a concern. The database refuses UPDATE, DELETE and (PostgreSQL) TRUNCATE of audit rows
(portal/migrations/m0003_audit_append_only.py). The hash chain is the second line: someone who
gets round the database's guard and edits or removes a row breaks the chain there, and
`check_chain` names the first row where it breaks.

What a chain cannot show on its own: that rows were cut off its end (the shorter chain is still
a valid chain), or that someone rewrote a row and recomputed every hash after it (the hash is
not secret). Both are caught by an anchor: the row count and the id and hash of the last row,
kept outside the database. Anchors are appended to a file (ACCORD_AUDIT_ANCHOR_FILE) each day,
by the first audit row written that day, and by `flask audit anchor`; `audit verify` checks
every anchor in the file, and fails if an anchored row is gone or its hash or position differs.
"""

import fcntl
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app, has_app_context
from peewee import PeeweeException

from portal.db import open_database, serialised_transaction
from portal.models import AuditEvent, Case, User, utcnow

log = logging.getLogger(__name__)

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
    "list.entry_added": "List entry added",
    "list.entry_renamed": "List entry renamed",
    "list.entry_retired": "List entry retired",
    "list.entry_reinstated": "List entry reinstated",
    "list.entry_moved": "List entry moved",
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
    "message.sent_again": "Email sent again",
    "feedback.invited": "Feedback invited",
    "feedback.given": "Feedback given",
    "case.coaching_outcome_recorded": "Coaching outcome recorded",
    "equality.recorded": "Equality monitoring answers recorded",
    "rights.data_exported": "A person's data exported",
    "reports.downloaded": "Report downloaded",
    "rights.staff_mentions_exported": "Staff notes naming a person listed for review",
    "rights.legal_hold_set": "Legal hold set",
    "rights.legal_hold_lifted": "Legal hold lifted",
    "rights.erasure_recorded": "Erasure request recorded",
    "retention.case_anonymised": "Case anonymised",
    "retention.referral_anonymised": "Declined referral anonymised",
    "demo.loaded": "Demonstration data loaded",
    "demo.bulk_loaded": "Bulk demonstration data added",
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

# PostgreSQL's advisory lock for appending to the chain: two writers must not both read the
# same last row and chain onto it.
_CHAIN_LOCK = (4242,)


def record(event, *, actor=None, record=None, case_id=None, detail="", remote_addr=""):
    """Append one event. `actor` is a User or None; `record` any model instance or None."""
    _anchor_daily()
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
    with chain_lock():
        prev_hash = last_row_hash()
        return AuditEvent.create(prev_hash=prev_hash, row_hash=row_digest(prev_hash, values), **values)


def chain_lock():
    """The transaction in which a writer reads the trail's last row and chains rows onto it:
    one writer at a time. `record` holds it for one row; portal/bulk.py for a chunk of rows it
    chains itself with `last_row_hash` and `row_digest`."""
    return serialised_transaction(_CHAIN_LOCK)


def last_row_hash():
    """The hash the next row chains onto (read inside `chain_lock`)."""
    last = AuditEvent.select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).first()
    return last.row_hash if last else GENESIS_HASH


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


def check_chain(rows, anchor=None, anchors=()):
    """Walk `rows` (mappings with id, the hashed fields, prev_hash and row_hash, in id order)
    and report the first row that was altered or removed.

    A row whose stored hash does not match its own fields was altered. A row whose prev_hash is
    not the hash of the row before it follows a removed row (when ids are missing in between) or
    follows a row that was altered and re-hashed (when none are). `anchor`, (id, hash) recorded
    from an earlier check, also catches rows cut from the end and a rewritten chain; without it
    neither can be seen. `anchors` are more of them, as `Anchor`s from the anchor file, which
    also know how many rows the trail had up to their row. Ids may have gaps (PostgreSQL does
    not reuse an id after a rollback), so a gap alone is not a break.
    """
    count, previous, expected = 0, None, GENESIS_HASH
    wanted = {a.last_id: a for a in anchors if a.last_id}
    if anchor is not None:
        wanted.setdefault(anchor[0], Anchor(None, None, anchor[0], anchor[1]))
        if wanted[anchor[0]].last_hash != anchor[1]:
            return ChainReport(False, 0, None, GENESIS_HASH,
                               f"two anchors for row {anchor[0]} disagree about its hash")

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
        recorded = wanted.pop(row["id"], None)
        if recorded is not None:
            if row["row_hash"] != recorded.last_hash:
                return report(f"row {row['id']} no longer has the recorded hash: "
                              "the trail was rewritten from that row or before it")
            if recorded.rows is not None and recorded.rows != count:
                return report(f"row {row['id']} was row number {recorded.rows} when anchored, "
                              f"and is now number {count}: rows before it were removed or added")
    if wanted:
        missing = min(wanted)
        if previous is None or missing > previous["id"]:
            return report(f"row {missing} was recorded but is gone: "
                          "rows were removed from the end of the trail")
        return report(f"row {missing} was recorded but is gone: it was removed")
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


def check_database(anchor=None, anchors=()):
    """`check_chain` over the audit table of the current database. An empty trail in a database
    that holds cases or users is broken: every one of them was made with an audit row."""
    report = check_chain(all_rows(), anchor=anchor, anchors=anchors)
    if report.intact and report.rows == 0:
        holds = [what for what, model in (("cases", Case), ("users", User)) if model.select().exists()]
        if holds:
            return ChainReport(False, 0, None, GENESIS_HASH,
                               f"the trail is empty but the database holds {' and '.join(holds)}: "
                               "its rows were removed")
    return report


# --- anchors ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Anchor:
    """The trail as it was at `taken_at` (UTC): `rows` rows, the last `last_id` with `last_hash`
    (0 and GENESIS_HASH for an empty trail)."""
    taken_at: datetime | None
    rows: int | None
    last_id: int
    last_hash: str

    def line(self):
        return (f"{self.taken_at:%Y-%m-%dT%H:%M:%S}Z rows={self.rows} last_id={self.last_id} "
                f"last_hash={self.last_hash}\n")


def parse_anchor_line(line):
    """An `Anchor` from one line of the anchor file; ValueError if it is not one."""
    parts = line.split()
    try:
        if len(parts) != 4 or not parts[0].endswith("Z"):
            raise ValueError
        taken_at = datetime.strptime(parts[0], "%Y-%m-%dT%H:%M:%SZ")
        fields = dict(part.split("=", 1) for part in parts[1:])
        rows, last_id, last_hash = int(fields["rows"]), int(fields["last_id"]), fields["last_hash"]
    except (ValueError, KeyError):
        raise ValueError(f"not an anchor: {line.strip()[:80]!r}") from None
    if rows < 0 or last_id < 0 or len(last_hash) != 64 or not _is_hex(last_hash):
        raise ValueError(f"not an anchor: {line.strip()[:80]!r}")
    return Anchor(taken_at, rows, last_id, last_hash)


def read_anchors(path):
    """Every anchor in the file, oldest first ([] if there is no file); ValueError naming the
    line if one is not an anchor (the file is only ever appended to)."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return []
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                anchors.append(parse_anchor_line(line))
            except ValueError as error:
                raise ValueError(f"line {number} of {path}: {error}") from None
    return anchors


def anchor_of(db):
    """The committed trail of `db` now, read in one statement so the three agree."""
    row = db.execute_sql(
        'SELECT COUNT(*), MAX("id"), (SELECT "row_hash" FROM "audit_event" ORDER BY "id" DESC LIMIT 1) '
        'FROM "audit_event"').fetchone()
    return Anchor(utcnow().replace(microsecond=0), row[0], row[1] or 0, row[2] or GENESIS_HASH)


def append_anchor(path, take, *, unless_taken_on=None):
    """Append the anchor `take()` returns to the file at `path` (created 0600, only appended to),
    unless its last anchor was taken on the day `unless_taken_on`. Several processes may do this
    at once: each holds an exclusive lock on the file from reading its last line to writing.
    Returns the anchor written, or None."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "r+b") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        if unless_taken_on is not None:
            last = _last_line(file)
            if last:
                try:
                    if parse_anchor_line(last).taken_at.date() >= unless_taken_on:
                        return None
                except ValueError:
                    pass  # verify reports it; today's anchor is still worth having
        anchor = take()
        file.write(anchor.line().encode())
        file.flush()
        os.fsync(file.fileno())
    return anchor


def _last_line(file, tail=4096):
    size = file.seek(0, os.SEEK_END)
    file.seek(max(0, size - tail))
    lines = file.read().decode(errors="replace").splitlines()
    return next((line for line in reversed(lines) if line.strip()), "")


# The day each process last made sure of a daily anchor, per anchor file: one dictionary
# lookup per audit row on every other write.
_anchored_on = {}


def _anchor_daily():
    """On the first audit row of a day (UTC), append an anchor if the file has none from today.

    The anchor is read through a connection of its own, so it holds only committed rows: the
    row being written, or others of the caller's transaction, may yet be rolled back."""
    if not has_app_context() or not current_app.config.get("AUDIT_ANCHOR_FILE"):
        return
    path = current_app.config["AUDIT_ANCHOR_FILE"]
    today = utcnow().date()
    if _anchored_on.get(str(path)) == today:
        return
    _anchored_on[str(path)] = today  # a failure is logged once a day, not on every row

    def take():
        own = open_database(current_app.config["DATABASE_URL"], current_app.config["DATABASE_OPTIONS"])
        try:
            return anchor_of(own)
        finally:
            own.close()

    try:
        append_anchor(path, take, unless_taken_on=today)
    except (OSError, PeeweeException) as error:
        # The trail itself matters more than its anchor: write the row, and say why not.
        log.error("Audit anchor not written to %s: %s", path, error)
