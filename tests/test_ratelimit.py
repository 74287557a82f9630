"""The database-backed limiter: requests arriving at the same moment are counted one after the
other, on a real SQLite file and on PostgreSQL, so no more than the limit ever pass."""

import threading
import time
from datetime import timedelta

from portal import accounts, ratelimit
from portal.db import database
from portal.models import SubmissionAttempt

THREADS = 12
LIMIT = 4


def slow_inserts(monkeypatch):
    """Pause before each insert: without the lock, every request would have counted the same
    rows by the time any of them inserts."""
    create = SubmissionAttempt.create.__func__

    def slow_create(cls, **fields):
        time.sleep(0.02)
        return create(cls, **fields)

    monkeypatch.setattr(SubmissionAttempt, "create", classmethod(slow_create))


def at_once(app, work):
    """Run `work()` in THREADS threads, each with its own connection, released together."""
    results, errors, start = [], [], threading.Barrier(THREADS)

    def run():
        try:
            with app.app_context():
                database.connect(reuse_if_open=True)
                try:
                    start.wait()
                    results.append(work())
                finally:
                    database.close()
        except Exception as error:  # reported by the test, which fails on it
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_requests_at_the_same_moment_pass_no_more_than_the_limit(app, monkeypatch):
    slow_inserts(monkeypatch)
    results = at_once(app, lambda: ratelimit.allow("referral", "192.0.2.1", LIMIT, timedelta(hours=1)))
    assert sorted(results) == [False] * (THREADS - LIMIT) + [True] * LIMIT
    assert SubmissionAttempt.select().count() == THREADS


def test_sign_in_guesses_at_the_same_moment_are_all_counted(app, monkeypatch):
    app.config["SIGN_IN_FAILURES_PER_ACCOUNT"] = LIMIT
    slow_inserts(monkeypatch)
    attempts = at_once(app, lambda: accounts.begin_sign_in("someone@example.test", "192.0.2.1"))
    assert sorted(a.refused for a in attempts) == [False] * LIMIT + [True] * (THREADS - LIMIT)


def test_a_check_inside_a_transaction_still_counts_in_turn(app, monkeypatch):
    slow_inserts(monkeypatch)

    def inside_a_transaction():
        with database.atomic():
            return ratelimit.allow("referral", "192.0.2.1", LIMIT, timedelta(hours=1))

    results = at_once(app, inside_a_transaction)
    assert sorted(results) == [False] * (THREADS - LIMIT) + [True] * LIMIT


def test_another_key_is_counted_apart(app):
    with app.app_context():
        _another_key_is_counted_apart()


def _another_key_is_counted_apart():
    for _ in range(LIMIT):
        assert ratelimit.allow("referral", "192.0.2.1", LIMIT, timedelta(hours=1))
    assert not ratelimit.allow("referral", "192.0.2.1", LIMIT, timedelta(hours=1))
    assert ratelimit.allow("referral", "192.0.2.2", LIMIT, timedelta(hours=1))
    assert ratelimit.allow("another_form", "192.0.2.1", LIMIT, timedelta(hours=1))


def test_only_hashes_of_the_keys_are_stored(app):
    with app.app_context():
        ratelimit.allow("referral", "192.0.2.1", LIMIT, timedelta(hours=1))
        accounts.begin_sign_in("Someone@Example.test", "192.0.2.1")
    for row in SubmissionAttempt.select():
        assert "192.0.2.1" not in row.key_hash and "someone" not in row.key_hash.lower()
        assert len(row.key_hash) == 64

