"""The app on a real database, a test client, the two ways to sign in and the mail outbox.

`enter_as` signs a client in without the form, for every test about something else;
`sign_in` (and `Browser.sign_in`) goes through the form, for tests of signing in itself.
"""

import email
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from flask import has_app_context

from portal import create_app, jobs
from portal.auth import service
from portal.config import TestConfig
from portal.db import database
from portal.models import User
from tests import dbutil
from tests.factories import DEFAULT_PASSWORD

# The cases that several modules share, as fixtures every module can ask for by name (a module
# does not import a fixture): `world` for the notes tests, `w` for the agreements tests. A
# module that defines a `world` or a `w` of its own uses its own.
pytest_plugins = ["tests.notes_support", "tests.agreements_support"]


@pytest.fixture(scope="session")
def postgres_schema():
    """One schema per run when TEST_DATABASE_URL is set (PostgreSQL); None for SQLite."""
    if not dbutil.POSTGRES_URL:
        yield None
        return
    schema = dbutil.new_schema_name()
    dbutil.create_schema(schema)
    yield schema
    if not database.is_closed():
        database.close()
    dbutil.drop_schema(schema)


def make_config(tmp_path, database_url, **overrides):
    values = {
        "DATABASE_URL": database_url,
        "INSTANCE_DIR": tmp_path,
        "MAIL_OUTBOX_DIR": tmp_path / "outbox",
        "MAIL_SERVER": None,
        **overrides,
    }
    return type("PerTestConfig", (TestConfig,), values)


@pytest.fixture
def database_url(tmp_path, postgres_schema):
    if postgres_schema:
        return dbutil.postgres_schema_url(postgres_schema)
    return f"sqlite:///{tmp_path / 'accord.sqlite3'}"


@pytest.fixture
def app(tmp_path, database_url, postgres_schema):
    app = create_app(make_config(tmp_path, database_url))
    database.connect(reuse_if_open=True)
    dbutil.upgrade()
    if postgres_schema:
        dbutil.wipe()
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html):
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def sign_in_password_only(client, email, password, **kwargs):
    """The password step alone: GET the page for its token, then POST. The response is the
    form's answer (303 on success, to the code step for staff; 422 for a wrong password, 429
    while paused)."""
    page = client.get("/sign-in", **kwargs).get_data(as_text=True)
    return client.post("/sign-in", data={"csrf_token": csrf_from(page), "email": email,
                                         "password": password}, **kwargs)


def totp_code(email):
    """A code an authenticator app shows for this account about now, as a person would type it:
    of the earliest time step the server accepts (one either side of now) that is later than the
    last one used and still has 15 seconds to live, so a slow machine never sends a code that
    died on the way; up to three sign-ins within 30 seconds each get a fresh one, and if none is
    left, it waits for the next step, as a person waits for their app's next code."""
    user = User.by_email(email).get()
    last = user.totp_last_step or 0
    for _ in range(3):  # a frozen clock (time_machine) never reaches the next step
        now = time.time()
        current = service.current_step(now)
        for step in (current - 1, current, current + 1):
            # The server takes step s until the current step is s + 1 (until (s + 2) * 30).
            if step > last and (step + 2) * 30 - now >= 15:
                return pyotp.TOTP(user.totp_secret).generate_otp(step)
        time.sleep((current + 1) * 30 - now + 0.05)
    raise AssertionError(f"no fresh code for {email}: every step near now was used")


def sign_in(client, email, password, **kwargs):
    """Sign in through the form as a person would: the password, then (when the server asks
    for it) the code from the account's authenticator app. The response is the last form's
    answer (303 on success, 422 for a wrong password or code, 429 while paused)."""
    response = sign_in_password_only(client, email, password, **kwargs)
    if response.status_code == 303 and response.headers["Location"].endswith("/sign-in/code"):
        page = client.get("/sign-in/code", **kwargs).get_data(as_text=True)
        response = client.post("/sign-in/code", data={"csrf_token": csrf_from(page), "code": totp_code(email)},
                               **kwargs)
    return response


def enter_as(client, user):
    """Put a new sign-in session of `user` into the client's cookie without the forms. For
    tests about something else than signing in; the session is a real row, and the app still
    checks it on every request."""
    cookie_id = service.open_session(user, browser="Test client", remote_addr="127.0.0.1")
    with client.session_transaction() as session:
        session["_user_id"] = cookie_id
        session["_fresh"] = True
    return client


class Browser:
    """A test client that fills forms the way a person would: GET the page, POST with its token."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def submit(self, url, data=None, page=None, **kwargs):
        page_html = self.client.get(page or url, follow_redirects=True).get_data(as_text=True)
        return self.client.post(url, data={"csrf_token": csrf_from(page_html), **(data or {})}, **kwargs)

    def sign_in(self, user, password=DEFAULT_PASSWORD):
        """Through the form, for tests of signing in; others use `enter_as`."""
        response = sign_in(self.client, user.email, password)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return response

    def enter_code(self, email):
        """The step after the password: the code from the account's app; for an account without
        a second factor, set up first from the secret the set-up page shows (as a person would
        type it into their app). The answer: 303 after a code, 200 with the recovery codes after
        a set-up."""
        page = self.client.get("/sign-in/code")
        if page.status_code == 303 and urlsplit(page.headers["Location"]).path == "/sign-in/set-up":
            html = self.client.get("/sign-in/set-up").get_data(as_text=True)
            secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
            return self.client.post("/sign-in/set-up", data={"csrf_token": csrf_from(html),
                                                             "code": pyotp.TOTP(secret).now()})
        html = page.get_data(as_text=True)
        return self.client.post("/sign-in/code", data={"csrf_token": csrf_from(html), "code": totp_code(email)})

    def enter_as(self, user):
        """Signed in as `user` without the form (see `enter_as`)."""
        enter_as(self.client, user)
        return self

    def sign_out(self):
        return self.submit("/sign-out", page="/")


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def make_browser(app):
    """More than one person at once: each gets their own cookie jar, and is `user` if given."""
    def make(user=None):
        browser = Browser(app.test_client())
        return browser.enter_as(user) if user is not None else browser
    return make


@pytest.fixture
def outbox(app):
    """The emails written to the outbox folder, parsed, oldest first. A test that calls the
    services inside one long app context reads them as at the end of a request: the deliveries
    its committed changes queued go first (the tests' queue runs them at once)."""
    folder = Path(app.config["MAIL_OUTBOX_DIR"])

    def read():
        if has_app_context() and not database.in_transaction():
            jobs.queue_committed_deliveries()
        if not folder.exists():
            return []
        return [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]
    return read
