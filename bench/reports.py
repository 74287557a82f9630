"""How long the reports take (issue 15: within 2 s on PostgreSQL and 5 s on SQLite at 100k cases),
run in one process, at the size of a database.

    .venv/bin/python bench/reports.py                      # bench/.data/bulk-10000.sqlite3
    .venv/bin/python bench/reports.py --database postgresql://postgres@127.0.0.1:5432/bench100k

Over a period holding every case (--period, default from January nine years ago to the end of next month, so
that the whole database is counted) it times each section's query, then the whole page, one CSV
and the PDF through the test client as a coordinator, N times each, and prints the median and
the slowest in milliseconds. The database must have had `flask db upgrade` and `demo load`.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(times, run):
    taken = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        taken.append((time.perf_counter() - started) * 1000)
    return statistics.median(taken), max(taken)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=f"sqlite:///{ROOT / 'bench' / '.data' / 'bulk-10000.sqlite3'}")
    parser.add_argument("--times", type=int, default=5, help="runs of each")
    parser.add_argument("--period", default="all",
                        help="all (nine years to next month: every case), or a quick choice: last_quarter, "
                             "this_financial_year, ...")
    args = parser.parse_args()
    os.environ.update({"DATABASE_URL": args.database, "ACCORD_ENV": "production",
                       "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key-not-for-production")})

    from portal import create_app, queries
    from portal.auth import service as sign_in_service
    from portal.db import database
    from portal.models import Case, User
    from portal.reports.periods import Period, quick_period
    from portal.reports.sections import SECTIONS

    app = create_app()
    today = date.today()
    with app.app_context():
        if args.period == "all":
            period = Period(date(today.year - 9, 1, 1), date(today.year, today.month, 1) + timedelta(days=31))
        else:
            period = quick_period(args.period, today)
    query = f"date_from={period.first_day.isoformat()}&date_to={period.last_day.isoformat()}"
    with app.app_context():
        database.connect(reuse_if_open=True)
        scope = queries.ReportScope(start=period.start, end=period.end, first_day=period.first_day,
                                    last_day=period.last_day)
        print(f"{Case.select().count()} cases on {database.obj.__class__.__name__}: the reports from "
              f"{period.first_day} to {period.last_day}, {args.times} runs each, ms (median, slowest)")
        total = 0.0
        for section in SECTIONS:
            median, slowest = timed(args.times, lambda s=section: s.query(scope))
            total += median
            print(f"  {section.name:<28} {median:>8.0f} {slowest:>8.0f}")
        print(f"  {'every section':<28} {total:>8.0f}")
        # A sign-in session of its own, as the sign-in forms would open (second factor passed).
        coordinator = User.get(User.email == "coordinator@example.org")
        cookie_id = sign_in_service.open_session(coordinator, browser="bench/reports.py", remote_addr="127.0.0.1")
        database.close()

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = cookie_id
        session["_fresh"] = True
    for name, address in [("the page", f"/reports?{query}"), ("one CSV (funding)", f"/reports/funding.csv?{query}"),
                          ("the PDF", f"/reports/report.pdf?{query}"),
                          ("the page, shared outside", f"/reports?{query}&sharing=y")]:
        def fetch(address=address):
            response = client.get(address)
            assert response.status_code == 200, response.status
        median, slowest = timed(args.times, fetch)
        print(f"  {name:<28} {median:>8.0f} {slowest:>8.0f}")


if __name__ == "__main__":
    main()
