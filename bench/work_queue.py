"""How long the coordinator's work queue (their home page) takes, run directly (no HTTP), at the
size of a database.

    .venv/bin/python bench/work_queue.py                      # bench/.data/bulk-10000.sqlite3
    .venv/bin/python bench/work_queue.py --database postgresql://postgres@127.0.0.1:5432/bench100k

For each list of the queue it runs its count and its first page (each as the page runs them, in
a `queries.Batch` of one), then the whole queue as the page sends it (every list's page and
count in one statement), N times, and prints the median and the 90th percentile in
milliseconds. The database must have had `flask db upgrade`.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def p90(values):
    return sorted(values)[max(0, round(0.9 * len(values)) - 1)]


def timed(times, run):
    taken = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        taken.append((time.perf_counter() - started) * 1000)
    return statistics.median(taken), p90(taken)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=f"sqlite:///{ROOT / 'bench' / '.data' / 'bulk-10000.sqlite3'}")
    parser.add_argument("--times", type=int, default=15, help="runs of each (the median is printed)")
    parser.add_argument("--exact", action="store_true", help="count every item (no cap), as before migration 16")
    args = parser.parse_args()
    os.environ.update({"DATABASE_URL": args.database, "ACCORD_ENV": "production",
                       "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key-not-for-production")})

    from portal import create_app, queries, work_queue
    from portal.db import database
    from portal.models import Case, User
    from portal.pagination import BatchedPage

    app = create_app()
    with app.app_context():
        database.connect(reuse_if_open=True)
        coordinator = User.get(User.email == "coordinator@example.org")
        rules = work_queue.rules()
        cap = None if args.exact else work_queue.COUNT_CAP
        print(f"{Case.select().count()} cases on {database.obj.__class__.__name__}: the work queue, "
              f"median and 90th percentile of {args.times} runs, ms")
        print(f"{'list':<16} {'count':>7} {'median':>8} {'p90':>8}   {'page 1 median':>14} {'p90':>8}")

        def count_of(kind):
            batch = queries.Batch()
            counted = batch.count(kind.query(coordinator, rules), cap=cap)
            batch.run()
            return counted.total

        def page_of(kind):
            batch = queries.Batch()
            batch.rows(kind.query(coordinator, rules).paginate(1, work_queue.PER_PAGE))
            batch.run()

        for kind in work_queue.KINDS:
            found = count_of(kind)
            shown = f"{cap}+" if cap and found > cap else str(found)
            counting = timed(args.times, lambda kind=kind: count_of(kind))
            paging = timed(args.times, lambda kind=kind: page_of(kind))
            print(f"{kind.name:<16} {shown:>7} {counting[0]:>8.1f} {counting[1]:>8.1f}   "
                  f"{paging[0]:>14.1f} {paging[1]:>8.1f}")

        def whole():
            batch = queries.Batch()
            for kind in work_queue.KINDS:
                BatchedPage(batch, kind.query(coordinator, rules), 1, work_queue.PER_PAGE,
                            cap=cap)
            batch.run()
        median, slow = timed(args.times, whole)
        print(f"{'the whole queue':<16} {'':>7} {median:>8.1f} {slow:>8.1f}   (every list: page, count)")


if __name__ == "__main__":
    main()
