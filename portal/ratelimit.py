"""Limits on how often something may be tried, kept in the database so that every worker process
and every server shares them. Keys (addresses, typed emails) are stored only as keyed hashes.

Every check counts and records in one transaction that first takes a lock on its keys, so
requests arriving together are counted one after the other: if the limit is 10, the eleventh
is refused however many arrive at the same instant. On PostgreSQL the lock is a transaction
advisory lock per key (other keys are not held up); on SQLite it is the database's write lock.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from portal.db import serialised_transaction
from portal.models import SubmissionAttempt, utcnow

# The first half of PostgreSQL's two-number advisory lock key: "a rate limit", so these locks
# never meet the audit trail's single-number lock (the two key spaces do not overlap).
_PG_LOCK_CLASS = 7301
# Attempts are kept at least this long, whatever the window.
_KEEP_AT_LEAST = timedelta(days=1)


def _key(text):
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, (text or "unknown").encode(), hashlib.sha256).hexdigest()


def _lock_number(key_hash):
    """A signed 32-bit number from the key's hash, for pg_advisory_xact_lock(int, int)."""
    return int.from_bytes(bytes.fromhex(key_hash[:8]), "big", signed=True)


def _locked(key_hashes):
    """A transaction in which this request alone counts and records attempts for these keys."""
    return serialised_transaction(*((_PG_LOCK_CLASS, _lock_number(k)) for k in key_hashes))


def _forget_old(form, keep):
    (SubmissionAttempt.delete()
     .where(SubmissionAttempt.form == form,
            SubmissionAttempt.created_at < utcnow() - max(keep, _KEEP_AT_LEAST))
     .execute())


def _times(form, key_hash, since):
    return [row.created_at for row in
            SubmissionAttempt.select(SubmissionAttempt.created_at)
            .where(SubmissionAttempt.form == form, SubmissionAttempt.key_hash == key_hash,
                   SubmissionAttempt.created_at > since)
            .order_by(SubmissionAttempt.created_at)]


def allow(form, key, limit, window):
    """Record this attempt and say whether it is within `limit` attempts per `window` (a refused
    attempt is recorded too, so that trying again and again keeps it refused)."""
    now, key_hash = utcnow(), _key(key)
    with _locked([key_hash]):
        _forget_old(form, window)
        recent = (SubmissionAttempt.select()
                  .where(SubmissionAttempt.form == form, SubmissionAttempt.key_hash == key_hash,
                         SubmissionAttempt.created_at > now - window)
                  .count())
        SubmissionAttempt.create(form=form, key_hash=key_hash, created_at=now)
    return recent < limit


@dataclass(frozen=True)
class Rule:
    """After `limit` failures within `window` for one key, refuse that key for `pause`."""
    form: str
    limit: int
    window: timedelta
    pause: timedelta


@dataclass(frozen=True)
class Try:
    """What `begin` answers: refused until a time (UTC), or going ahead with the attempt rows
    it recorded, which `succeeded` removes."""
    refused_until: object = None  # a naive UTC datetime when refused
    refused_by: str = ""  # the form of the first rule that refused
    attempt_ids: tuple = ()

    @property
    def refused(self):
        return self.refused_until is not None


def _paused_until(times, rule):
    """When the pause that `times` (failures, oldest first) earned under `rule` ends, or None."""
    until = None
    for i in range(rule.limit - 1, len(times)):
        if times[i] - times[i - rule.limit + 1] < rule.window:
            until = times[i] + rule.pause
    return until


def begin(checks):
    """Start an attempt that is limited by every (rule, key) in `checks`.

    Refused (and nothing recorded) while any key is paused. Otherwise one failure is recorded
    for each key *before* the attempt is made, so that attempts made at the same moment all
    count; call `succeeded` when it turns out not to have failed.
    """
    now = utcnow()
    hashed = [(rule, _key(key)) for rule, key in checks]
    with _locked([key_hash for _, key_hash in hashed]):
        refusals = []
        for rule, key_hash in hashed:
            _forget_old(rule.form, rule.window + rule.pause)
            until = _paused_until(_times(rule.form, key_hash, now - rule.window - rule.pause), rule)
            if until is not None and until > now:
                refusals.append((until, rule.form))
        if refusals:
            until, form = max(refusals)
            return Try(refused_until=until, refused_by=form)
        ids = tuple(SubmissionAttempt.create(form=rule.form, key_hash=key_hash, created_at=now).id
                    for rule, key_hash in hashed)
    return Try(attempt_ids=ids)


def succeeded(attempt):
    """The attempt did not fail: it no longer counts against its keys."""
    if attempt.attempt_ids:
        SubmissionAttempt.delete().where(SubmissionAttempt.id.in_(attempt.attempt_ids)).execute()
