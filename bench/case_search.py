"""How long the case list's queries take, run directly (no HTTP), at the size of a database.

    .venv/bin/python bench/case_search.py                      # bench/.data/bulk-10000.sqlite3
    .venv/bin/python bench/case_search.py --database postgresql://postgres@127.0.0.1:5432/bench10k

For each search, filter and sort, as the demo coordinator and the demo coach, it runs what
`/cases` runs for its list (the count, the page of rows, the page's parties and coaches in one
batch) N times and prints the median and the 90th percentile, in milliseconds. The database must have had
`flask db upgrade` (the search terms come with migration 8). Goal (issue 13): a search or a
filtered page within 100 ms median at 100k cases, on SQLite and PostgreSQL.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (label, who, filters, sort)
RUNS = [
    ("open cases, last activity", "coordinator", {}, "activity"),
    ("all cases, by reference", "coordinator", {"status": "all"}, "reference"),
    ("open cases, next session", "coordinator", {}, "next_session"),
    ("search a surname: smith", "coordinator", {"q": "smith"}, "activity"),
    ("search two words: zoe o'brien", "coordinator", {"q": "zoe o'brien", "status": "all"}, "activity"),
    ("search a phone: 07700 900", "coordinator", {"q": "07700 900", "status": "all"}, "activity"),
    ("search a case reference", "coordinator", {"q": "AC-2026-0042", "status": "all"}, "activity"),
    ("filter: stage in progress", "coordinator", {"stage": "in_progress"}, "activity"),
    ("filter: stage ready to book", "coordinator", {"stage": "ready_to_book"}, "activity"),
    ("filter: stage waiting for consent", "coordinator", {"stage": "waiting_for_consent"}, "activity"),
    ("filter: stage agreement proposed", "coordinator", {"stage": "agreement_proposed"}, "activity"),
    ("filter: stage closed", "coordinator", {"stage": "closed", "status": "all"}, "activity"),
    ("filter: in progress, by reference", "coordinator", {"stage": "in_progress"}, "reference"),
    ("filter: coaching, agency referral", "coordinator", {"kind": "coaching", "referral_source": "agency"}, "activity"),
    ("filter: a coach's cases", "coordinator", {"coach": "COACH"}, "activity"),
    ("coach: open cases", "coach", {}, "activity"),
    ("coach: search smith", "coach", {"q": "smith", "status": "all"}, "activity"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=f"sqlite:///{ROOT / 'bench' / '.data' / 'bulk-10000.sqlite3'}")
    parser.add_argument("--times", type=int, default=15, help="runs of each (the median is printed)")
    parser.add_argument("--exact", action="store_true", help="count every case (no cap), as before migration 16")
    args = parser.parse_args()
    os.environ.update({"DATABASE_URL": args.database, "ACCORD_ENV": "production",
                       "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key-not-for-production")})

    from portal import create_app, queries
    from portal.cases.listing import COUNT_CAP
    from portal.db import database
    from portal.models import Case, User, utcnow

    app = create_app()
    with app.app_context():
        database.connect(reuse_if_open=True)
        people = {"coordinator": User.get(User.email == "coordinator@example.org"),
                  "coach": User.get(User.email == "coach@example.org")}
        print(f"{Case.select().count()} cases on {database.obj.__class__.__name__}, "
              f"median of {args.times} runs (a page of 25 with the total, its rows, its parties and coaches)")
        print(f"{'what':<36} {'found':>7} {'median ms':>10} {'p90 ms':>8}  {'ids/rows/names':>16}")
        for label, who, given, sort in RUNS:
            user = people[who]
            given = {**given, **({"coach": people["coach"].id} if given.get("coach") == "COACH" else {})}
            filters = queries.CaseListFilters(**{"status": "open", **given})
            timings, parts, found = [], [], 0
            for _ in range(args.times):
                started = time.perf_counter()
                picked = list(queries.case_list_page(user, filters, sort=sort, number=1, per_page=25, now=utcnow(),
                                                     limit=None if args.exact else 25 + COUNT_CAP))
                found = picked[0].total if picked else 0
                counted = time.perf_counter()
                ids = [row.id for row in picked]
                rows = list(queries.case_list_rows(user, ids, sort=sort, now=utcnow())) if ids else []
                paged = time.perf_counter()
                ids = [row.id for row in rows]
                if ids:
                    batch = queries.Batch()
                    batch.rows(queries.case_list_parties(user, ids))
                    batch.rows(queries.case_list_coaches(user, ids))
                    batch.run()
                done = time.perf_counter()
                timings.append((done - started) * 1000)
                parts.append(((counted - started) * 1000, (paged - counted) * 1000, (done - paged) * 1000))
            split = "/".join(f"{statistics.median(p[i] for p in parts):.1f}" for i in range(3))
            shown = f"{COUNT_CAP}+" if not args.exact and found > 25 + COUNT_CAP else found
            print(f"{label:<36} {shown:>7} {statistics.median(timings):>10.1f} {p90(timings):>8.1f}  {split:>16}")


def p90(values):
    """The 90th percentile (nearest rank)."""
    return sorted(values)[max(0, round(0.9 * len(values)) - 1)]


if __name__ == "__main__":
    main()
