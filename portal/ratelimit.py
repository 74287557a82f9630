"""A per-address limit on public form submissions, kept in the database so that every worker
process shares it. Addresses are stored only as keyed hashes."""

import hashlib
import hmac
from datetime import timedelta

from flask import current_app

from portal.models import SubmissionAttempt, utcnow


def _key(remote_addr):
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, (remote_addr or "unknown").encode(), hashlib.sha256).hexdigest()


def allow(form, remote_addr, limit, window):
    """Record this attempt and say whether it is within `limit` attempts per `window`."""
    now = utcnow()
    key = _key(remote_addr)
    # Old attempts are of no further use: forget them as we go.
    SubmissionAttempt.delete().where(SubmissionAttempt.created_at < now - max(window, timedelta(days=1))).execute()
    recent = (SubmissionAttempt
              .select()
              .where(SubmissionAttempt.form == form, SubmissionAttempt.key_hash == key,
                     SubmissionAttempt.created_at > now - window)
              .count())
    SubmissionAttempt.create(form=form, key_hash=key, created_at=now)
    return recent < limit
