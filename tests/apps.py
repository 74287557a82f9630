"""Helpers for the account, configuration and migration tests.

Apps built from another configuration than the `app` fixture's and databases of their own (for
configuration, cookies under the production settings and migrations of a brand-new database);
reading forms, error messages, cookies and emails the way a person would. Signing in (with the
form or without) is in tests/conftest.py.
"""

import contextlib
import re
from html.parser import HTMLParser

from portal import create_app
from portal.db import database
from tests import dbutil


def config_class(base, tmp_path, **values):
    """A subclass of `base` that keeps everything in `tmp_path` and sends mail to the outbox."""
    defaults = {
        "INSTANCE_DIR": tmp_path,
        "MAIL_OUTBOX_DIR": tmp_path / "outbox",
        "MAIL_SERVER": None,
    }
    return type(f"Per{base.__name__}", (base,), {**defaults, **values})


def build_app(base, tmp_path, **values):
    """`create_app` on a subclass of `base`; closes whatever connection the last app left open."""
    if database.obj is not None and not database.is_closed():
        database.close()
    return create_app(config_class(base, tmp_path, **values))


@contextlib.contextmanager
def new_database_url(tmp_path, name="new"):
    """An empty database: a new SQLite file, or a new PostgreSQL schema when TEST_DATABASE_URL is set."""
    if not dbutil.POSTGRES_URL:
        with closing_database():
            yield f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        return
    schema = dbutil.new_schema_name()
    dbutil.create_schema(schema)
    try:
        with closing_database():
            yield dbutil.postgres_schema_url(schema)
    finally:
        dbutil.drop_schema(schema)


def set_cookie_headers(response):
    """Every Set-Cookie header of a response, keyed by cookie name."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        name = header.split("=", 1)[0].strip()
        cookies[name] = header
    return cookies


def cookie_attributes(set_cookie_header):
    """The attributes of one Set-Cookie header, lower-cased names: {'httponly': True, 'samesite': 'Lax'}."""
    attributes = {}
    for part in set_cookie_header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value or True
    return attributes


LINK_RE = re.compile(r"https?://\S+")


def body_of(message):
    """The text of a plain-text email (its text part, when a file is attached), whatever
    transfer encoding it was sent with."""
    if message.is_multipart():
        message = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


def links_in(message):
    """The absolute links in a plain-text email."""
    return LINK_RE.findall(body_of(message))


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls = {}  # id -> attributes of an input, select, textarea or button
        self.labels = []  # (for, text)
        self.buttons = []  # visible text of submit buttons and submit inputs
        self._label_for = None
        self._label_text = []
        self._button_text = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea", "button") and attrs.get("id"):
            self.controls[attrs["id"]] = {"tag": tag, **attrs}
        if tag == "input" and attrs.get("type") == "submit":
            self.buttons.append(attrs.get("value", ""))
        if tag == "button" and attrs.get("type", "submit") == "submit":
            self._button_text = []
        if tag == "label":
            self._label_for, self._label_text = attrs.get("for"), []

    def handle_endtag(self, tag):
        if tag == "label" and self._label_for is not None:
            self.labels.append((self._label_for, " ".join("".join(self._label_text).split())))
            self._label_for = None
        if tag == "button" and self._button_text is not None:
            self.buttons.append(" ".join("".join(self._button_text).split()))
            self._button_text = None

    def handle_data(self, data):
        if self._label_for is not None:
            self._label_text.append(data)
        if self._button_text is not None:
            self._button_text.append(data)


def read_form(html):
    """{label text: attributes of the control it labels}, and the submit buttons' texts."""
    reader = _FormReader()
    reader.feed(html)
    labelled = {text: reader.controls.get(target) for target, text in reader.labels}
    return labelled, reader.buttons


ERROR_SUMMARY_RE = re.compile(r'<div class="error-summary".*?</div>', re.S)
FIELD_ERROR_RE = re.compile(r'<p class="error-message" id="([\w-]+)-error">(.*?)</p>', re.S)


def error_summary(html):
    """The error summary at the top of a failed form ('' when there is none)."""
    match = ERROR_SUMMARY_RE.search(html)
    return match.group(0) if match else ""


def field_errors(html):
    """{field id: the message shown next to it}."""
    return {field: " ".join(message.split()) for field, message in FIELD_ERROR_RE.findall(html)}


def build_app_on(base, tmp_path, database_url, **values):
    """`build_app` on the test database (a SQLite file, or the run's PostgreSQL schema), upgraded
    and empty, the way the `app` fixture leaves it."""
    app = build_app(base, tmp_path, DATABASE_URL=database_url, **values)
    database.connect(reuse_if_open=True)
    dbutil.upgrade()
    if dbutil.POSTGRES_URL:
        dbutil.wipe()
    return app


@contextlib.contextmanager
def closing_database():
    """Close the connection a self-built app left open, as the `app` fixture does for its own."""
    try:
        yield
    finally:
        if database.obj is not None and not database.is_closed():
            database.close()
