"""Real browsers: the app served on 127.0.0.1 with the demo data, Chromium through Playwright, and axe.

Playwright never downloads a browser here; it drives the system Chromium (ACCORD_CHROMIUM, or
/usr/bin/chromium). Without Chromium or axe-core the browser tests skip, except in CI (CI set),
where a missing browser fails the run instead of passing it silently.
"""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal import demo
from portal.db import database
from tests.browser.support import AXE_SCRIPT

CHROMIUM = Path(os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # Chromium's own calls home; the machine's network is closed and they only slow it down.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 667}
WAIT_MS = 15_000


def _missing(what):
    message = f"browser tests need {what}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so this is an error, not a skip)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run."""
    if not CHROMIUM.exists():
        _missing(f"Chromium at {CHROMIUM} (apt-get install chromium, or set ACCORD_CHROMIUM)")
    if not AXE_SCRIPT.exists():
        _missing(f"axe-core at {AXE_SCRIPT} (run `npm ci`)")
    from playwright.sync_api import expect, sync_playwright
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def read_whole(app):
    """`app` with each response read whole, and its iterable closed, before the server writes
    it. Werkzeug's development server skips `close()` when the browser drops the connection
    while the server drains it (a navigation that abandons a script mid-download), leaving a
    static file open; the garbage collector then reports it in whichever test runs next, as a
    failure. The pages here are small, and nothing in them streams."""
    def wsgi(environ, start_response):
        iterable = app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
    return wsgi


@pytest.fixture
def live_server(app):
    """The test app with the demo service loaded, served by werkzeug on a free port."""
    with app.app_context():
        demo.load()
    if not database.is_closed():
        database.close()  # the server's threads open their own connections, per request
    # Port 0: the operating system picks a free port, so parallel runs cannot collide.
    server = make_server("127.0.0.1", 0, read_whole(app), threaded=True)
    # A short poll interval: shutdown() waits for the loop to notice, half a second by default.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _new_page(chromium, live_server, **context_options):
    context = chromium.new_context(base_url=live_server, locale="en-GB", **context_options)
    # Waits end as soon as the page is ready; the limit only matters when something is wrong, and
    # a two-core machine running the server, Chromium and pytest at once can take seconds.
    context.set_default_timeout(WAIT_MS)
    return context, context.new_page()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context (no cookies) and page for one test."""
    context, page = _new_page(chromium, live_server)
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium, live_server):
    """Like `page`, at a small phone's viewport."""
    context, page = _new_page(chromium, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    context.close()


@pytest.fixture
def page_without_javascript(chromium, live_server):
    context, page = _new_page(chromium, live_server, java_script_enabled=False)
    page.accord_javascript_off = True  # axe cannot run here; assert_accessible refuses at once
    yield page
    context.close()


@pytest.fixture
def browser_context_factory(chromium, live_server):
    """More people at once: each call gives a page in a fresh context of its own (own cookies)."""
    contexts = []

    def new_page(**context_options):
        context, page = _new_page(chromium, live_server, **context_options)
        contexts.append(context)
        return page
    yield new_page
    for context in contexts:
        context.close()
