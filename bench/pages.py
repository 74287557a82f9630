"""Throughput of the hot pages, against the physical limit of this stack on this machine.

    apt-get install wrk                  # the HTTP load generator (Debian's package)
    .venv/bin/python bench/pages.py --cases 10000
    .venv/bin/python bench/pages.py --cases 100000 --database postgresql://postgres@127.0.0.1:5432/bench --workers 4

It builds (once, then reuses) a database with the demo and `flask demo bulk --cases N`, serves
the portal with gunicorn in production settings, signs in as the demo coordinator, coach and
party, and loads each hot page with wrk from a second process. In the same run it serves
`bench/bare_app.py` (Flask rendering a Jinja page of constants) under the same gunicorn settings
and loads a page of the same size from it: the physical limit. It prints, per page, requests per
second, p50, p95 and p99 latency, and the ratio of throughput to the bare page's.

Goals (issue 12): every hot page at least 60% of the bare page's throughput at 10k cases on
SQLite; p95 under 1.5x the SQLite figure at 100k cases on PostgreSQL with 4 workers.
"""

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
BIN = Path(sys.executable).parent
SECRET = "bench-secret-key-not-for-production"
PASSWORD = "demo-accord-2026"  # portal.demo.DEMO_PASSWORD
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""
# (who, label, path): the hot pages of issue 12. The case page is found in the data (below).
PAGES = [
    ("coordinator@example.org", "coordinator's home", "/coordinator"),
    ("coordinator@example.org", "case list, searched", "/cases?q=smith"),
    ("coordinator@example.org", "case list, filtered", "/cases?status=open&stage=in_progress&kind=mediation"),
    ("coordinator@example.org", "safeguarding dashboard", "/safeguarding"),
    ("coordinator@example.org", "referral queue", "/referrals"),
    ("coach@example.org", "coach's home", "/coach"),
    ("coach@example.org", "case page (40 notes)", None),
    ("alex@example.org", "party's home", "/party"),
    ("alex@example.org", "your action points", "/action-points"),
    ("alex@example.org", "shared with you", "/shared"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--database", help="a PostgreSQL URL (default: a SQLite file in bench/.data)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    database = args.database or f"sqlite:///{DATA / f'bulk-{args.cases}.sqlite3'}"
    instance = Path(tempfile.mkdtemp(prefix="accord-bench-"))
    env = {**os.environ, "ACCORD_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": database,
           "ACCORD_INSTANCE_DIR": str(instance), "PYTHONPATH": str(ROOT)}
    prepare_data(env, args.cases)
    case_reference, notes = case_with_notes(env, 40)

    print(f"{args.cases} cases on {'PostgreSQL' if args.database else 'SQLite'}, gunicorn with "
          f"{args.workers} workers, wrk with {args.connections} connections for {args.seconds} s per page")
    print(f"case page: {case_reference} with {notes} notes the coach can read\n")
    portal_port, bare_port = free_port(), free_port()
    with serve("portal:create_app()", portal_port, args.workers, env), \
            serve("bare_app:app", bare_port, args.workers, {**env, "PYTHONPATH": str(ROOT / "bench")}):
        cookies = {who: sign_in(portal_port, who) for who in {who for who, _, _ in PAGES}}
        print(f"{'page':<26} {'bytes':>8} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
              f"{'bare req/s':>10} {'ratio':>6}")
        for who, label, path in PAGES:
            path = path or f"/cases/{case_reference}"
            status, size = fetch(portal_port, path, cookies[who])
            if status != 200:
                print(f"{label:<26} skipped: {path} answers {status}")
                continue
            page = load(portal_port, path, cookies[who], args)
            bare = load(bare_port, f"/bytes/{size}", None, args)
            ratio = page["rps"] / bare["rps"] if bare["rps"] else 0
            print(f"{label:<26} {size:>8} {page['rps']:>8.0f} {page['p50']:>7.1f} {page['p95']:>7.1f} "
                  f"{page['p99']:>7.1f} {bare['rps']:>10.0f} {ratio:>6.0%}"
                  + (f"  ({page['errors']} errors)" if page["errors"] else ""))
    shutil.rmtree(instance, ignore_errors=True)


def prepare_data(env, cases):
    """The demo and `cases` bulk cases, made once per database and reused after."""
    DATA.mkdir(parents=True, exist_ok=True)
    flask = [str(BIN / "flask"), "--app", "portal:create_app()"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    have = int(in_app(COUNT_CASES, env).split()[-1])
    if have >= cases:
        return
    started = time.perf_counter()
    subprocess.run([*flask, "demo", "load", "--if-empty"], env=env, check=True, cwd=ROOT)
    subprocess.run([*flask, "demo", "bulk", "--cases", str(cases - have)], env=env, check=True, cwd=ROOT)
    print(f"made {cases} cases in {time.perf_counter() - started:.0f} s")


def in_app(code, env):
    """Run `code` in a fresh process inside the portal's app context; what it printed."""
    preamble = "from portal import create_app\ncreate_app().app_context().push()\n"
    return subprocess.run([str(BIN / "python"), "-c", preamble + code], env=env, check=True, cwd=ROOT,
                          capture_output=True, text=True).stdout


COUNT_CASES = """
from portal.db import database
from portal.models import Case
with database.connection_context():
    print(Case.select().count())
"""

TOP_UP_NOTES = """
from portal.db import database
from portal.models import Case, CoachAllocation, Note, User
from portal.vocab import Audience
from portal import queries
with database.connection_context():
    coach = User.get(User.email == "coach@example.org")
    case = (Case.select().join(CoachAllocation).where(CoachAllocation.coach == coach,
            CoachAllocation.ended_at.is_null()).order_by(Case.id).first())
    have = queries.notes_visible_to(coach, case).count()
    for n in range(have, WANTED):
        Note.create(case=case, author=coach, audience=[Audience.CASE_TEAM, Audience.STAFF][n % 2],
                    body=f"Benchmark note {n}: what was said, in a paragraph of ordinary length. " * 3)
    print(case.reference, queries.notes_visible_to(coach, case).count())
"""


def case_with_notes(env, wanted):
    """A case of the demo coach's with at least `wanted` notes they can read (added if needed)."""
    out = in_app(TOP_UP_NOTES.replace("WANTED", str(wanted)), env).split()
    return out[-2], int(out[-1])


class serve:
    """gunicorn serving `target` on 127.0.0.1:`port` until the block ends."""

    def __init__(self, target, port, workers, env):
        self.command = [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                        "--log-level", "warning", target]
        self.port, self.env = port, env

    def __enter__(self):
        self.process = subprocess.Popen(self.command, env=self.env, cwd=ROOT)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.process.kill()
        raise RuntimeError(f"gunicorn did not start: {self.command}")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(port, method, path, cookie=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    cookies = [h.split(";", 1)[0] for k, h in response.getheaders() if k.lower() == "set-cookie"]
    connection.close()
    return response.status, data, cookies


def sign_in(port, email):
    """The session cookie of a real sign-in through the form (production cookies are Secure,
    which an HTTP client honours, so the cookie is carried by hand)."""
    _, page, cookies = _request(port, "GET", "/sign-in")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if not token:
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    body = urlencode({"csrf_token": token.group(1).decode(), "email": email, "password": PASSWORD})
    status, _, signed_in = _request(port, "POST", "/sign-in", cookies[0], body)
    if status not in (302, 303) or not signed_in:
        raise RuntimeError(f"signing in as {email} answered {status}")
    import pyotp

    from portal import demo
    if email in demo.staff_emails():
        # Staff then give the code from their app: the demo secret's, as a person would.
        # The code page may renew the cookie (its form's token lives in the session): carry it.
        _, page, renewed = _request(port, "GET", "/sign-in/code", signed_in[-1])
        cookie = (renewed or signed_in)[-1]
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
        code = pyotp.TOTP(demo.two_factor_secret(email)).now()
        body = urlencode({"csrf_token": token.group(1).decode(), "code": code})
        status, _, signed_in = _request(port, "POST", "/sign-in/code", cookie, body)
        if status not in (302, 303) or not signed_in:
            raise RuntimeError(f"the code step for {email} answered {status}")
    return signed_in[-1]


def fetch(port, path, cookie):
    status, data, _ = _request(port, "GET", path, cookie)
    return status, len(data)


def load(port, path, cookie, args):
    """wrk's figures for one address: requests per second and latency percentiles in ms."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "-s", script.name,
               f"http://127.0.0.1:{port}{path}"]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    requests, duration_us, p50, p95, p99, bad_status, errors = map(
        int, re.search(r"RESULT (.*)", out).group(1).split())
    return {"rps": requests / (duration_us / 1e6), "p50": p50 / 1000, "p95": p95 / 1000,
            "p99": p99 / 1000, "errors": bad_status + errors}


if __name__ == "__main__":
    main()
