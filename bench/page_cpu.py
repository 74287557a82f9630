"""CPU per request of each hot page, in one process, through Flask's test client.

    .venv/bin/python bench/page_cpu.py                         # bench/.data/bulk-10000.sqlite3
    .venv/bin/python bench/page_cpu.py --database postgresql://postgres@127.0.0.1:5432/bench10k
    .venv/bin/python bench/page_cpu.py --profile "case page"   # where that page's time goes

`bench/pages.py` measures throughput under gunicorn and wrk, which is what the goal is written
in, but on a shared machine its figures move with whatever else runs. This script asks the same
pages of the same database (made by `bench/pages.py`, which it needs to have run once) in this
process, signed in as the same demo users, and prints the median CPU time (process time, so
other processes' load hardly moves it) and wall time of a request per page, with the statements
it ran. `--profile PAGE` prints a pyinstrument profile of that page instead (pyinstrument is a
development tool, not a dependency: `pip install pyinstrument`).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import pages  # noqa: E402  (bench/pages.py: the pages, the database and the case with 40 notes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--database", help="a PostgreSQL URL (default: the SQLite file of bench/pages.py)")
    parser.add_argument("--repeat", type=int, default=40, help="requests per page, after two to warm up")
    parser.add_argument("--profile", help="a page's label, or the start of one: profile it instead")
    parser.add_argument("--only", help="only the pages whose label starts with this")
    args = parser.parse_args()

    database = args.database or f"sqlite:///{pages.DATA / f'bulk-{args.cases}.sqlite3'}"
    os.environ.update({"ACCORD_ENV": "production", "SECRET_KEY": pages.SECRET, "DATABASE_URL": database,
                       "ACCORD_INSTANCE_DIR": str(ROOT / "bench" / ".data" / "instance")})
    case_reference, _ = pages.case_with_notes(dict(os.environ, PYTHONPATH=str(ROOT)), 40)

    from portal import create_app
    from portal.auth import service
    from portal.db import database as db
    from portal.models import User

    app = create_app()
    clients = {}
    with db.connection_context():
        # A sign-in session each, as the code step would open (the forms are not measured here).
        ids = {who: service.open_session(User.get(User.email == who), browser="bench")
               for who, _, _ in pages.PAGES}
    for who, session_id in ids.items():
        client = app.test_client()
        # Production cookies are Secure: the client sends them to https addresses only.
        client.environ_base["wsgi.url_scheme"] = "https"
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        clients[who] = client

    statements = []
    real = db.obj
    execute_sql = real.execute_sql

    def counting(sql, *a, **k):
        started = time.perf_counter()
        try:
            return execute_sql(sql, *a, **k)
        finally:
            statements.append(time.perf_counter() - started)
    real.execute_sql = counting
    compiling = []

    get_sql_context = real.get_sql_context

    class TimedContext:
        """peewee's SQL context, the making of a statement's text timed."""

        def __init__(self, ctx):
            self.ctx = ctx

        def sql(self, query):
            started = time.perf_counter()
            self.ctx.sql(query)
            compiling.append(time.perf_counter() - started)
            return self.ctx

        def parse(self, query):
            return self.sql(query).query()
    real.get_sql_context = lambda **options: TimedContext(get_sql_context(**options))

    chosen = [(who, label, path or f"/cases/{case_reference}") for who, label, path in pages.PAGES
              if label.startswith(args.profile or args.only or "")]
    if args.profile:
        from pyinstrument import Profiler
        who, label, path = chosen[0]
        for _ in range(3):
            clients[who].get(path)
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(args.repeat):
                clients[who].get(path)
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return

    import bare_app
    bare = bare_app.app.test_client()
    print(f"{'page':<26} {'bytes':>7} {'cpu ms':>7} {'wall ms':>7} {'stmts':>5} {'sql ms':>6} "
          f"{'sql text':>8} {'bare cpu':>8}")
    for who, label, path in chosen:
        response = clients[who].get(path)
        assert response.status_code == 200, (label, path, response.status_code)
        size = len(response.data)
        cpu, wall, sql, sql_text = measure(clients[who], path, args.repeat, statements, compiling)
        bare_cpu, _, _, _ = measure(bare, f"/bytes/{size}", args.repeat, [], [])
        print(f"{label:<26} {size:>7} {cpu:>7.1f} {wall:>7.1f} {len(statements):>5} {sql:>6.1f} "
              f"{sql_text:>8.1f} {bare_cpu:>8.1f}")


def measure(client, path, repeat, statements, compiling):
    """Median milliseconds of `repeat` requests (after two): CPU, wall, running the SQL (until
    the driver answers, rows not yet read) and making its text (peewee compiling queries)."""
    for _ in range(2):
        client.get(path)
    cpu, wall, sql, text = [], [], [], []
    for _ in range(repeat):
        statements.clear()
        compiling.clear()
        c0, w0 = time.process_time(), time.perf_counter()
        client.get(path)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        sql.append(sum(statements))
        text.append(sum(compiling))
    return tuple(statistics.median(values) * 1000 for values in (cpu, wall, sql, text))


if __name__ == "__main__":
    main()
