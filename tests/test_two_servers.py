"""Two app servers behave as one: separate gunicorn processes with separate instance folders,
the same DATABASE_URL (PostgreSQL, a schema of this module's own) and the same SECRET_KEY,
behind one TLS proxy (simulated: each request carries the X-Forwarded-* headers the proxy would
set, and ACCORD_PROXY_HOPS=1). Production settings, as the README's deployment runs them.

A person signed in on one is signed in on the other, and signed out of both at once; a file
uploaded through one downloads through the other; the referral limit holds across both under
concurrent load; the audit chain stays intact after concurrent writes through both.

PostgreSQL only: SQLite is a file on one machine, and two servers sharing it is not a
deployment Accord supports.
"""

import contextlib
import hashlib
import http.client
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pyotp
import pytest

from portal import audit
from portal.db import open_database
from portal.models import MODELS, AuditEvent, Note, NoteFile, Referral, SubmissionAttempt
from portal.vocab import Audience, DisputeType, ReferralSource, Role, Urgency
from tests import dbutil
from tests.conftest import csrf_from
from tests.factories import DEFAULT_PASSWORD, allocate, make_case, make_user

pytestmark = pytest.mark.skipif(
    not dbutil.POSTGRES_URL,
    reason="TEST_DATABASE_URL is not set: two app servers share one PostgreSQL database")

REPO = Path(__file__).resolve().parents[1]
SITE = "portal.example.test"  # the one host name the proxy serves both servers under
REFERRAL_LIMIT = 5  # ACCORD_REFERRAL_LIMIT_PER_HOUR's default, which the servers run with


# --- the servers ------------------------------------------------------------------------------

@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path
    env: dict


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(instance, database_url, secret_key):
    return {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PYTHONPATH": str(REPO),
        "HOME": str(instance),
        "LANG": "C.UTF-8",
        "ACCORD_ENV": "production",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "ACCORD_INSTANCE_DIR": str(instance),
        "ACCORD_PROXY_HOPS": "1",
        "PUBLIC_BASE_URL": f"https://{SITE}",
    }


def _flask(env, *args):
    """`flask --app portal ...` as an operator runs it on a server: started, not waited for."""
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=env["HOME"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finished(command):
    """(exit code, output) of a command from `_flask`."""
    output, _ = command.communicate(timeout=60)
    return command.returncode, output


def _start(name, folder, database_url, secret_key):
    instance = folder / name
    instance.mkdir()
    env = _environment(instance, database_url, secret_key)
    port = _free_port()
    log = instance / "gunicorn.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            # One worker of four threads: requests are concurrent within each server too, and
            # the test stays quick on a small machine.
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--threads", "4", "portal:create_app()"],
            cwd=instance, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    return Server(name, port, process, log, env)


def _wait_until_serving(server, seconds=45):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"{server.name} exited:\n{server.log.read_text()}"
        with contextlib.suppress(OSError):
            if Person().get(server, "/sign-in").status == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"{server.name} did not answer within {seconds} s:\n{server.log.read_text()}")


def _stop(server):
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@contextlib.contextmanager
def shared_database(url):
    """The servers' database, read and written from the test's own process."""
    db = open_database(url)
    try:
        with db.bind_ctx(MODELS), db.connection_context():
            yield db
    finally:
        db.close()


@dataclass
class Deployment:
    a: Server
    b: Server
    database_url: str
    coach_email: str
    case_reference: str

    def database(self):
        return shared_database(self.database_url)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-servers")
    schema = dbutil.new_schema_name()
    dbutil.create_schema(schema)
    database_url = dbutil.postgres_schema_url(schema)
    secret_key = secrets.token_hex(32)
    servers = []
    try:
        servers = [_start(name, folder, database_url, secret_key) for name in ("a", "b")]
        code, output = _finished(_flask(servers[0].env, "db", "upgrade"))
        assert code == 0, output
        for server in servers:
            _wait_until_serving(server)
        with shared_database(database_url):
            coach = make_user(Role.COACH, name="Casey Coach", totp_secret=COACH_SECRET)
            case = make_case()
            allocate(case, coach)
        yield Deployment(*servers, database_url, coach.email, case.reference)
    finally:
        for server in servers:
            _stop(server)
        logs = {server.name: server.log.read_text(errors="replace") for server in servers}
        dbutil.drop_schema(schema)
    for name, text in logs.items():
        assert "Traceback" not in text, f"server {name} logged an error:\n{text}"


# --- a person with a browser ------------------------------------------------------------------

COACH_SECRET = pyotp.random_base32()
_USED_STEP = [0]  # the last time step whose code a sign-in here gave

@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self):
        return self.body.decode(errors="replace")


class Person:
    """One browser behind the proxy: its cookies go to whichever server the proxy picks, since
    both are the same site to the browser."""

    def __init__(self, address="203.0.113.10"):
        self.address = address
        self.cookies = {}
        self._lock = threading.Lock()  # one person may have several requests under way

    def request(self, server, method, path, body=None, content_type=None):
        headers = {
            # What the proxy adds (ACCORD_PROXY_HOPS=1): the visitor's address, HTTPS, its host.
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": SITE,
            # A browser's form post over HTTPS names the page it came from (Flask-WTF checks).
            "Referer": f"https://{SITE}{path}",
        }
        with self._lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
        with self._lock:
            for header in answer.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
        return answer

    def get(self, server, path):
        return self.request(server, "GET", path)

    def token(self, server, page):
        return csrf_from(self.get(server, page).text)

    def post(self, server, path, fields, token_from=None):
        """A form as the browser sends it, its token from the page (`token_from`, or `path`)."""
        body = urlencode({"csrf_token": self.token(server, token_from or path), **fields})
        return self.request(server, "POST", path, body.encode(), "application/x-www-form-urlencoded")

    def sign_in(self, server, email, password=DEFAULT_PASSWORD):
        """The password, then (staff) the code from the coach's app: of the earliest time step
        the servers still accept that no sign-in here has used (a code works once)."""
        answer = self.post(server, "/sign-in", {"email": email, "password": password})
        if answer.status == 303 and answer.headers["Location"].endswith("/sign-in/code"):
            step = _USED_STEP[0] = max(int(time.time() // 30) - 1, _USED_STEP[0] + 1)
            answer = self.post(server, "/sign-in/code", {"code": pyotp.TOTP(COACH_SECRET).generate_otp(step)})
        return answer


def multipart(fields, file_field, file_name, data):
    """A multipart/form-data body with one file, as a browser sends a form with a file."""
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
                 f'filename="{file_name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                 + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def at_once(calls):
    """Run every call in a thread of its own, released together; their answers, in order."""
    start = threading.Barrier(len(calls))
    answers, errors = [None] * len(calls), []

    def run(i, call):
        try:
            start.wait()
            answers[i] = call()
        except Exception as error:  # reported by the test, which fails on it
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return answers


# --- the tests --------------------------------------------------------------------------------

def test_a_person_signed_in_on_one_server_is_signed_in_on_the_other_and_out_of_both(deployment):
    d = deployment
    person = Person()
    assert person.get(d.b, "/coach").status in (302, 303)  # not signed in yet
    assert person.sign_in(d.a, d.coach_email).status == 303
    for server in (d.b, d.a):
        home = person.get(server, "/coach")
        # The coach's own home: their case, and the button to sign out.
        assert home.status == 200 and d.case_reference in home.text and "Sign out" in home.text, server.name

    # Signing out on one server ends the session on both: the session's token is in the database.
    earlier_cookies = dict(person.cookies)
    assert person.post(d.b, "/sign-out", {}, token_from="/coach").status == 303
    someone_with_the_old_cookie = Person()
    someone_with_the_old_cookie.cookies = earlier_cookies
    assert someone_with_the_old_cookie.get(d.a, "/coach").status in (302, 303)


def test_a_file_uploaded_through_one_server_downloads_through_the_other(deployment):
    d = deployment
    coach = Person()
    assert coach.sign_in(d.a, d.coach_email).status == 303
    data = b"%PDF-1.4\n% a session summary written through server a\n" + secrets.token_bytes(2048)
    form = f"/cases/{d.case_reference}/notes/new"
    body, content_type = multipart({"csrf_token": coach.token(d.a, form), "body": "",
                                    "audience": Audience.PRIVATE, "is_summary": "y"},
                                   "file", "summary.pdf", data)
    assert coach.request(d.a, "POST", form, body, content_type).status == 303
    with d.database():
        note_file = NoteFile.select().order_by(NoteFile.id.desc()).first()
        note_id = note_file.note_id
    assert not any(Path(server.env["HOME"], "files").exists() for server in (d.a, d.b))

    download = coach.get(d.b, f"/cases/{d.case_reference}/notes/{note_id}/files/{note_file.id}")
    assert download.status == 200
    assert download.body == data
    assert hashlib.sha256(download.body).hexdigest() == note_file.sha256
    assert download.headers["Content-Length"] == str(len(data))
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download.headers["Cache-Control"]


def test_the_referral_limit_holds_across_both_servers_under_concurrent_load(deployment):
    d = deployment
    address = "198.51.100.23"  # one visitor, whose requests the proxy spreads over both servers
    visitors = []
    for i in range(16):
        visitor = Person(address)
        server = (d.a, d.b)[i % 2]
        visitors.append((visitor, server, visitor.token(server, "/refer")))
    referral = {"source": ReferralSource.SELF, "people-0-name": "Robin Ash",
                "people-0-email": "robin@example.org", "people-1-name": "Sam Birch",
                "dispute_type": DisputeType.NEIGHBOUR, "description": "Loud music most nights until 2am.",
                "urgency": Urgency.SOON, "safety_worry": "", "understood": "y"}

    def send(visitor, server, token):
        body = urlencode({"csrf_token": token, **referral}).encode()
        return visitor.request(server, "POST", "/refer", body, "application/x-www-form-urlencoded").status

    statuses = at_once([lambda v=v, s=s, t=t: send(v, s, t) for v, s, t in visitors])

    assert sorted(statuses) == [303] * REFERRAL_LIMIT + [429] * (len(visitors) - REFERRAL_LIMIT)
    with d.database():
        assert Referral.select().count() == REFERRAL_LIMIT
        assert SubmissionAttempt.select().where(SubmissionAttempt.form == "referral").count() == len(visitors)


def test_the_audit_chain_stays_intact_after_concurrent_writes_through_both_servers(deployment):
    d = deployment
    coach = Person()
    assert coach.sign_in(d.a, d.coach_email).status == 303
    form = f"/cases/{d.case_reference}/notes/new"
    tokens = {server.name: coach.token(server, form) for server in (d.a, d.b)}
    writes = []
    for i in range(12):
        server = (d.a, d.b)[i % 2]
        body = urlencode({"csrf_token": tokens[server.name], "body": f"Concurrent note {i}",
                          "audience": Audience.PRIVATE})
        writes.append((server, body.encode()))
    strangers = [(Person(f"192.0.2.{i + 1}"), (d.a, d.b)[i % 2]) for i in range(2)]
    sign_ins = [(stranger, server, stranger.token(server, "/sign-in")) for stranger, server in strangers]
    with d.database():
        rows_before = AuditEvent.select().count()

    def write(server, body):
        return coach.request(server, "POST", form, body, "application/x-www-form-urlencoded").status

    def fail_to_sign_in(stranger, server, token):
        body = urlencode({"csrf_token": token, "email": "nobody@example.test", "password": "not it at all"})
        return stranger.request(server, "POST", "/sign-in", body.encode(), "application/x-www-form-urlencoded").status

    statuses = at_once([lambda s=s, b=b: write(s, b) for s, b in writes]
                       + [lambda p=p, s=s, t=t: fail_to_sign_in(p, s, t) for p, s, t in sign_ins])

    assert statuses == [303] * len(writes) + [422] * len(sign_ins)
    with d.database():
        assert Note.select().where(Note.body.startswith("Concurrent note")).count() == len(writes)
        assert AuditEvent.select().count() == rows_before + len(writes) + len(sign_ins)
        report = audit.check_chain(audit.all_rows())
    assert report.intact, report.problem
    # And as an operator checks it, on either server, against that server's anchors.
    for command in [_flask(server.env, "audit", "verify") for server in (d.a, d.b)]:
        code, output = _finished(command)
        assert code == 0, output
