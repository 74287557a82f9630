"""`make run` starts the web server and a job worker together (honcho, Procfile); Ctrl+C (SIGINT
to the terminal's process group) stops both within seconds and leaves nothing running."""

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_mail import free_port

REPO = Path(__file__).resolve().parent.parent
DEADLINE_SECONDS = 120


def process_table():
    """{pid: (parent pid, state, command line)} of every process now."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # it ended while we looked
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry.name)] = (int(fields[1]), fields[0], command)
    return table


def descendants(pid, table):
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        children = {child for child, (ppid, _, _) in table.items() if ppid == parent}
        found |= children
        todo.extend(children)
    return found


def running(pids):
    table = process_table()
    return {pid for pid in pids if pid in table and table[pid][1] != "Z"}


def serves(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads the process table from /proc")
def test_make_run_serves_with_a_worker_and_ctrl_c_stops_both(tmp_path):
    port = free_port()
    env = {**os.environ, "ACCORD_INSTANCE_DIR": str(tmp_path)}
    for name in ("DATABASE_URL", "ACCORD_QUEUE_URL", "MAIL_SERVER", "ACCORD_ENV"):
        env.pop(name, None)
    with open(tmp_path / "make-run.log", "wb") as log:
        # A session of its own, like a terminal: its process group gets the Ctrl+C.
        make = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=REPO, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        workers = set()
        while time.monotonic() < deadline and not (serves(port) and workers):
            table = process_table()
            workers = {pid for pid in descendants(make.pid, table) if "jobs worker" in table[pid][2]}
            time.sleep(0.2)
        assert serves(port), (tmp_path / "make-run.log").read_text()[-2000:]
        table = process_table()
        everything = descendants(make.pid, table)
        servers = {pid for pid in everything if f"run --host 127.0.0.1 --port {port}" in table[pid][2]}
        assert servers and workers
        os.killpg(make.pid, signal.SIGINT)
        make.wait(timeout=15)
        deadline = time.monotonic() + 10
        while running(everything) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert running(everything) == set()
        assert not serves(port)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
