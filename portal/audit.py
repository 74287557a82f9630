"""The audit trail: append-only rows, each hashed together with the row before it.

Rows say who did what to which record, when and from where; never the contents of a note or a
concern. Altering or removing a row breaks the chain from that row on.
"""

import hashlib
import json

from portal.db import database, is_sqlite
from portal.models import AuditEvent, utcnow

GENESIS_HASH = "0" * 64
_HASHED_FIELDS = ("created_at", "actor_id", "event", "record_type", "record_id", "case_id",
                  "remote_addr", "detail")


def row_digest(prev_hash, values):
    """SHA-256 over the previous row's hash and this row's fields, in a fixed form."""
    canonical = json.dumps(
        {name: (str(values[name]) if values[name] is not None else None) for name in _HASHED_FIELDS},
        sort_keys=True,
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _lock_chain():
    # Two writers must not both chain onto the same last row.
    if not is_sqlite():
        database.execute_sql("SELECT pg_advisory_xact_lock(4242)")


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
    with database.atomic():
        _lock_chain()
        last = AuditEvent.select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).first()
        prev_hash = last.row_hash if last else GENESIS_HASH
        return AuditEvent.create(prev_hash=prev_hash, row_hash=row_digest(prev_hash, values), **values)
