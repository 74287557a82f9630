"""How long the forgotten-password form takes to answer for a known and for an unknown email.

    .venv/bin/python bench/password_reset.py

The two must take the same time, or the form tells who has an account. Requests alternate
between a known and an unknown email against a SQLite file and a real SMTP server on
127.0.0.1 (aiosmtpd, a test dependency), with the limits raised out of the way. The time is
until the answer is complete, as the person asking sees it; the email to a known address goes
after that (portal/accounts.py, `_send_after_response`). Prints both medians and their ratio;
the goal is a ratio within 1.1.
"""

import gc
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

from portal.vocab import Role

# Run as a script from the project root: the project's modules live one folder up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402

from portal import create_app, migrations, passwords  # noqa: E402
from portal.config import TestConfig  # noqa: E402
from portal.db import database  # noqa: E402
from portal.models import User  # noqa: E402

RUNS = 200
WARM_UP = 20


class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    folder = Path(tempfile.mkdtemp(prefix="accord-bench-"))
    smtp = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    settings = {
        "INSTANCE_DIR": folder, "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "MAIL_OUTBOX_DIR": folder / "outbox", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port,
        "MAIL_USE_TLS": False, "WTF_CSRF_ENABLED": False,
        "PASSWORD_RESETS_PER_ACCOUNT_PER_HOUR": 10**9, "PASSWORD_RESETS_PER_ADDRESS_PER_HOUR": 10**9,
    }
    app = create_app(type("BenchConfig", (TestConfig,), settings))
    with database.connection_context():
        migrations.upgrade(database.obj)
        User.create(name="Known Person", email="known@example.org", role=Role.COACH,
                    password_hash=passwords.hash_password("a-long-bench-passphrase"))
    client = app.test_client()
    times = {"known": [], "unknown": []}
    emails = {"known": "known@example.org", "unknown": "nobody@example.org"}
    gc.disable()
    try:
        for run in range(WARM_UP + RUNS):
            for kind in (("known", "unknown") if run % 2 else ("unknown", "known")):
                started = time.perf_counter()
                response = client.post("/password/forgot", data={"email": emails[kind]})
                answered = time.perf_counter() - started
                assert response.status_code == 200, response.status_code
                response.close()  # the end of the response: the known address's email goes now
                if run >= WARM_UP:
                    times[kind].append(answered)
    finally:
        gc.enable()
        smtp.stop()
    known, unknown = (statistics.median(times[k]) * 1000 for k in ("known", "unknown"))
    print(f"{RUNS} requests each, SQLite, SMTP on 127.0.0.1")
    print(f"known email:   median {known:.2f} ms")
    print(f"unknown email: median {unknown:.2f} ms")
    print(f"ratio known/unknown: {known / unknown:.2f}")


if __name__ == "__main__":
    main()
