"""The job queue with a real worker (`flask jobs worker` in a process of its own), on both back
ends: huey's SQLite file and Redis. A committed change gets its message; a worker killed between
claiming a message and sending it leaves it to the next, which sends it once; a mail server that
is down and then up gets the message at its retry, while the web request returns at once.

Each test waits for the worker by polling the database with a deadline: what is asserted is the
state reached, never the time slept.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller

from portal import mail
from portal.db import database
from portal.models import OutboxMessage
from portal.vocab import MessageState, Role
from tests import dbutil
from tests.conftest import Browser, enter_as, make_config
from tests.factories import make_user
from tests.test_mail import Collector, free_port

REPO = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DEADLINE_SECONDS = 30


@pytest.fixture(params=["sqlite", "redis"])
def queue(request, tmp_path):
    """The queue's settings for the app and the worker: a SQLite file in tmp_path, or Redis with
    a name of this test's own (every key is prefixed with it), its keys removed afterwards."""
    name = f"accord-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite":
        yield {"QUEUE_URL": None, "QUEUE_FILE": tmp_path / "queue.sqlite3", "QUEUE_NAME": name}
        return
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not running at {REDIS_URL} (the queue's tests need it, as CI has it)")
    yield {"QUEUE_URL": REDIS_URL, "QUEUE_FILE": tmp_path / "unused.sqlite3", "QUEUE_NAME": name}
    for key in client.scan_iter(match=f"*{name}*"):
        client.delete(key)


@pytest.fixture
def live(tmp_path, database_url, postgres_schema, queue):
    """An app that queues jobs for a worker instead of running them (not immediate mode), and a
    way to start that worker; every worker started is stopped after the test."""
    from portal import create_app
    smtp_port = free_port()
    settings = {**queue, "QUEUE_IMMEDIATE": False, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port,
                "MAIL_USE_TLS": False, "MAIL_LEASE_SECONDS": 2, "MAIL_RETRY_FIRST_SECONDS": 1}
    app = create_app(make_config(tmp_path, database_url, **settings))
    database.connect(reuse_if_open=True)
    dbutil.upgrade()
    if postgres_schema:
        dbutil.wipe()
    workers = []

    def start_worker():
        env = {**os.environ, "ACCORD_ENV": "development", "DATABASE_URL": database_url,
               "ACCORD_INSTANCE_DIR": str(tmp_path), "ACCORD_QUEUE_NAME": queue["QUEUE_NAME"],
               "ACCORD_QUEUE_FILE": str(queue["QUEUE_FILE"]), "MAIL_SERVER": "127.0.0.1",
               "MAIL_PORT": str(smtp_port), "MAIL_USE_TLS": "0", "MAIL_LEASE_SECONDS": "2",
               "MAIL_RETRY_FIRST_SECONDS": "1", "DATABASE_POOL_SIZE": "0"}
        env.pop("ACCORD_QUEUE_URL", None)
        if queue["QUEUE_URL"]:
            env["ACCORD_QUEUE_URL"] = queue["QUEUE_URL"]
        with open(tmp_path / f"worker-{len(workers)}.log", "wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
                                       cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        workers.append(process)
        return process

    app.start_worker = start_worker
    app.smtp_port = smtp_port
    yield app
    for process in workers:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
    if not database.is_closed():
        database.close()


def smtp_server(port, handler):
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def wait_for(condition, what):
    """Poll `condition` until it is true; fail, naming `what`, after the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"not within {DEADLINE_SECONDS}s: {what}")


def message_row():
    [row] = OutboxMessage.select()
    return row


def test_a_committed_change_gets_its_message_from_a_worker(live):
    collector = Collector()
    controller = smtp_server(live.smtp_port, collector)
    try:
        with live.app_context(), database.atomic():
            mail.send("someone@example.org", "Something is waiting", "Sign in to see it.\n")
        # Committed and queued; nothing is sent until a worker takes the job.
        assert collector.messages() == []
        live.start_worker()
        wait_for(lambda: len(collector.messages()) == 1, "the message delivered")
        wait_for(lambda: message_row().state == MessageState.SENT, "the row marked sent")
    finally:
        controller.stop()
    [(recipients, message)] = collector.messages()
    assert recipients == ["someone@example.org"]
    row = message_row()
    assert message["Message-ID"] == f"<outbox-{row.id}.{row.created_at:%Y%m%d%H%M%S%f}@accord.invalid>"
    assert (row.attempts, row.last_error, row.claimed_until) == (1, None, None)


class Stalling(Collector):
    """An SMTP server that holds the first message's DATA until released, then refuses it (the
    sender had died: the server never said it accepted), and takes every later one."""

    def __init__(self):
        super().__init__()
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if not self.release.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 The sender went away"
        return await super().handle_DATA(server, session, envelope)


def test_a_worker_killed_between_claiming_and_sending_leaves_it_to_the_next_which_sends_it_once(live):
    stalling = Stalling()
    controller = smtp_server(live.smtp_port, stalling)
    try:
        with live.app_context(), database.atomic():
            mail.send("someone@example.org", "Something is waiting", "Sign in to see it.\n")
        first = live.start_worker()
        assert stalling.holding.wait(DEADLINE_SECONDS), "the first worker never reached the mail server"
        claimed = message_row()
        assert (claimed.state, claimed.attempts) == (MessageState.WAITING, 1)
        assert claimed.claimed_until is not None
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        stalling.release.set()
        # The next worker finds the message still held by the dead one's lease, and sends it
        # once the lease has run out.
        live.start_worker()
        wait_for(lambda: message_row().state == MessageState.SENT, "the message sent by the second worker")
    finally:
        controller.stop()
    assert [recipients for recipients, _ in stalling.messages()] == [["someone@example.org"]]
    assert message_row().attempts == 2


def test_with_the_mail_server_down_the_request_returns_at_once_and_the_retry_delivers(live):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    browser = Browser(enter_as(live.test_client(), admin))
    # During the request a mail server that takes connections and never answers (before the
    # outbox, it held the request for 30 s): the request does not even connect to it.
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", live.smtp_port))
        hung.listen()
        hung.setblocking(False)
        response = browser.submit("/admin/people/invite", {"name": "Iris Novak", "email": "iris@example.org",
                                                           "role": Role.PARTY})
        assert response.status_code == 303
        with pytest.raises(BlockingIOError):
            hung.accept()  # nobody connected
    assert (message_row().attempts, message_row().state) == (0, MessageState.WAITING)
    # The mail server is down (nothing listens); a worker tries, fails, and retries.
    live.start_worker()
    wait_for(lambda: message_row().attempts == 1 and message_row().last_error is not None,
             "the first attempt failing")
    assert message_row().last_error == "ConnectionRefusedError"
    collector = Collector()
    controller = smtp_server(live.smtp_port, collector)
    try:
        wait_for(lambda: message_row().state == MessageState.SENT, "the retry delivering it")
    finally:
        controller.stop()
    assert [recipients for recipients, _ in collector.messages()] == [["iris@example.org"]]
    assert message_row().attempts >= 2
