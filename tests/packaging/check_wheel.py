#!/usr/bin/env python3
"""Build the wheel, install it into a fresh virtualenv and serve the sign-in page from it.

    python3 tests/packaging/check_wheel.py [--keep]

What a deployment does, outside the checkout: `pip install` the wheel (pinned by constraints.txt),
then, from an empty directory, `flask --app portal db upgrade` and `gunicorn 'portal:create_app()'`.
The sign-in page, its stylesheet and htmx must come back 200 with the bytes of the checkout's
files, so a template, static file or module left out of the wheel fails here rather than on the
server. Run `make assets` first: htmx is built from the npm lockfile and is not in git.

Standard library only; it exits non-zero with a message saying which step failed.
"""

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONSTRAINTS = REPO / "constraints.txt"
STYLESHEET = "css/accord.css"
HTMX = "vendor/htmx.min.js"


class Failed(Exception):
    pass


def step(message):
    print(f"== {message}", flush=True)


def run(command, **kwargs):
    print("$ " + " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], **kwargs)
    if result.returncode:
        raise Failed(f"{command[0]} exited with {result.returncode}")
    return result


class Assets(HTMLParser):
    """The stylesheets and scripts a page links."""

    def __init__(self):
        super().__init__()
        self.stylesheets, self.scripts = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs.get("href"))
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])


# Left out of the copy the wheel is built from: tools, caches, and setuptools' own build/ folder,
# whose files from an earlier build would otherwise end up in this wheel too.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "node_modules", "build", "dist", "*.egg-info",
                                    "__pycache__", ".pytest_cache", ".hypothesis", "instance",
                                    "test-artifacts")


def build_wheel(python, dist):
    """Build the wheel from a clean copy of the checkout (symbolic links kept) into `dist`."""
    with tempfile.TemporaryDirectory(prefix="accord-source-") as copy:
        source = Path(copy) / "accord"
        shutil.copytree(REPO, source, symlinks=True, ignore=NOT_SOURCE)
        run([python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--build-constraint", CONSTRAINTS,
             "--wheel-dir", dist, source])
    wheels = list(Path(dist).glob("*.whl"))
    if len(wheels) != 1:
        raise Failed(f"expected one wheel in {dist}, found {[w.name for w in wheels]}")
    return wheels[0]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url):
    """(status, headers, body), 4xx and 5xx included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_for(url, server, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise Failed(f"gunicorn exited with {server.returncode} before serving {url}")
        try:
            return get(url)
        except OSError:
            time.sleep(0.3)
    raise Failed(f"gunicorn did not answer {url} within {seconds} s")


def check(work):
    htmx_source = REPO / "static" / HTMX
    if not htmx_source.is_file():
        raise Failed(f"{htmx_source} is missing: run `make assets` before building the wheel")

    venv, dist, site = work / "venv", work / "dist", work / "site"
    dist.mkdir()
    site.mkdir()
    step(f"a fresh virtualenv in {venv}")
    run([sys.executable, "-m", "venv", venv])
    bin_dir = venv / "bin"
    if not CONSTRAINTS.is_file():
        raise Failed(f"{CONSTRAINTS} is missing")
    run([bin_dir / "python", "-m", "pip", "install", "--quiet", "-c", CONSTRAINTS, "--upgrade", "pip"])

    step("build the wheel")
    wheel = build_wheel(bin_dir / "python", dist)

    step(f"install {wheel.name} with {CONSTRAINTS.name}")
    run([bin_dir / "python", "-m", "pip", "install", "--quiet", "-c", CONSTRAINTS, wheel])

    # Everything below runs from an empty directory with a clean environment, so nothing can
    # come from the checkout: not its modules (no PYTHONPATH, cwd elsewhere), not its files.
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(site),
        "LANG": "C.UTF-8",
        "ACCORD_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": f"sqlite:///{site / 'accord.sqlite3'}",
    }
    step(f"from {site}: no top-level `config` module is installed")
    probe = subprocess.run([bin_dir / "python", "-c", "import config"], cwd=site, env=env,
                           capture_output=True)
    if probe.returncode == 0:
        raise Failed("the wheel installs a top-level module named `config`")

    step(f"from {site}: flask --app portal db upgrade")
    run([bin_dir / "flask", "--app", "portal", "db", "upgrade"], cwd=site, env=env)
    if not (site / "accord.sqlite3").is_file():
        raise Failed("db upgrade did not create the SQLite database named by DATABASE_URL")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    step(f"from {site}: gunicorn 'portal:create_app()' on {base}")
    log = work / "gunicorn.log"
    with log.open("wb") as log_file:  # the server writes to its own copy of the descriptor
        server = subprocess.Popen(
            [bin_dir / "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "portal:create_app()"],
            cwd=site, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        status, headers, body = wait_for(base + "/sign-in", server)
        if status != 200:
            raise Failed(f"/sign-in answered {status}:\n{body.decode(errors='replace')[:2000]}")
        if headers.get("Strict-Transport-Security") != "max-age=31536000; includeSubDomains":
            raise Failed("/sign-in has no Strict-Transport-Security header in production")
        page = Assets()
        page.feed(body.decode())
        expected = {"/static/" + STYLESHEET: REPO / "static" / STYLESHEET, "/static/" + HTMX: htmx_source}
        linked = set(page.stylesheets) | set(page.scripts)
        for path, source in expected.items():
            if path not in linked:
                raise Failed(f"/sign-in does not link {path}; it links {sorted(linked)}")
            status, _, content = get(base + path)
            if status != 200:
                raise Failed(f"{path} answered {status}")
            if content != source.read_bytes():
                raise Failed(f"{path} is not the checkout's {source.relative_to(REPO)}")
            print(f"{path}: 200, {len(content)} bytes", flush=True)
        print("/sign-in: 200, links its stylesheet and htmx", flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        output = log.read_bytes().decode(errors="replace")
    if "Traceback" in output:
        raise Failed(f"gunicorn logged an error:\n{output}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="accord-wheel-"))
    try:
        check(work)
    except Failed as failure:
        log = work / "gunicorn.log"
        if log.is_file() and log.stat().st_size:
            print(f"--- gunicorn log ---\n{log.read_text(errors='replace')}", file=sys.stderr)
        print(f"\nWHEEL CHECK FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"(kept {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("\nwheel check passed: the installed package serves the sign-in page, its stylesheet and htmx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
