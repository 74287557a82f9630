"""What a request that sends email costs now that email goes through the outbox, and how fast
one worker delivers.

    .venv/bin/python bench/mail.py [--messages 500]

1. Inviting a person (a request that sends one email), median of 20, with the mail server up,
   down (nothing listening) and not answering (it accepts the connection, then says nothing:
   before the outbox a request waited 30 s for it). The request writes the email to the outbox
   and queues its delivery; it never talks to the mail server, so the three should match.
2. One worker (`flask jobs worker`, one thread, in a process of its own) delivering N queued
   messages to a local SMTP server (aiosmtpd): messages per second, from the first delivery to
   the last. SQLite database and SQLite queue, in a temporary folder.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Run as a script from the project root: the project's modules live one folder up.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from portal import create_app, mail, migrations  # noqa: E402
from portal.auth import service  # noqa: E402
from portal.config import TestConfig  # noqa: E402
from portal.db import database  # noqa: E402
from portal.models import OutboxMessage, User  # noqa: E402
from portal.vocab import MessageState, Role  # noqa: E402

RUNS = 20


class Sink:
    def __init__(self):
        self.times = []

    async def handle_DATA(self, server, session, envelope):
        self.times.append(time.perf_counter())
        return "250 OK"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_in(folder, smtp_port):
    settings = {
        "INSTANCE_DIR": folder, "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "MAIL_OUTBOX_DIR": folder / "outbox", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port,
        "MAIL_USE_TLS": False, "WTF_CSRF_ENABLED": False, "QUEUE_IMMEDIATE": False,
        "QUEUE_FILE": folder / "queue.sqlite3",
    }
    return create_app(type("BenchConfig", (TestConfig,), settings))


def invite_times(app, label):
    client = app.test_client()
    with app.app_context(), database.connection_context():
        admin = User.create(name=f"Admin {label}", email=f"admin-{label}@example.org", role=Role.COORDINATOR,
                            is_admin=True)
        cookie_id = service.open_session(admin, browser="bench")
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = cookie_id, True
    times = []
    for n in range(RUNS + 2):
        started = time.perf_counter()
        response = client.post("/admin/people/invite", data={
            "name": f"Person {label} {n}", "email": f"p-{label}-{n}@example.org", "role": Role.PARTY})
        took = time.perf_counter() - started
        assert response.status_code == 303, response.status_code
        if n >= 2:  # the first two warm up
            times.append(took)
    return statistics.median(times) * 1000


def silent_server():
    """A server that accepts connections and never says a word (a hung mail server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(100)
    return listener


def worker_rate(folder, app, smtp, count):
    with app.app_context(), database.connection_context():
        OutboxMessage.delete().execute()
    with app.app_context(), database.atomic():
        for n in range(count):
            mail.send(f"r{n}@example.org", "Something is waiting", "Sign in to see it.\n")
    # The app context has ended: every delivery is queued.
    smtp.handler.times.clear()
    env = {**os.environ, "ACCORD_ENV": "development", "ACCORD_INSTANCE_DIR": str(folder),
           "DATABASE_URL": app.config["DATABASE_URL"], "ACCORD_QUEUE_FILE": str(folder / "queue.sqlite3"),
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), "MAIL_USE_TLS": "0"}
    env.pop("ACCORD_QUEUE_URL", None)
    with open(folder / "worker.log", "wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 600
        while len(smtp.handler.times) < count and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    times = smtp.handler.times
    with app.app_context(), database.connection_context():
        sent = OutboxMessage.select().where(OutboxMessage.state == MessageState.SENT).count()
    return len(times), sent, (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="accord-bench-mail-"))
    smtp = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    silent = silent_server()
    try:
        app = app_in(folder, smtp.port)
        with database.connection_context():
            migrations.upgrade(database.obj)
        print(f"Inviting a person: median of {RUNS} requests (SQLite, SQLite queue, no worker running)")
        for label, port in (("up", smtp.port), ("down", free_port()), ("not answering", silent.getsockname()[1])):
            app.config["MAIL_PORT"] = port
            print(f"  mail server {label + ':':15} {invite_times(app, label.replace(' ', '-')):7.2f} ms")
        app.config["MAIL_PORT"] = smtp.port
        delivered, sent, rate = worker_rate(folder, app, smtp, args.messages)
        print(f"One worker, one thread, to SMTP on 127.0.0.1: {delivered} of {args.messages} delivered "
              f"({sent} marked sent), {rate:.0f} messages/s")
    finally:
        silent.close()
        smtp.stop()


if __name__ == "__main__":
    main()
