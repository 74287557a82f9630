"""A case with everyone the notes tests need, each person with a signed-in client of their own:
the `world` fixture, which conftest.py registers, and the helpers the notes tests share."""

import io
from types import SimpleNamespace

import pytest

from portal.vocab import Role
from tests.conftest import Browser, enter_as
from tests.factories import add_party, allocate, make_case, make_user

HTMX = {"HX-Request": "true"}
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def world(app):
    """A mediation case: two allocated coaches (the first writes), a coach on another case, a
    coordinator, a safeguarding lead, party A (Alex) and party B (Bea) with accounts, and party C
    (Cal) without one."""
    w = SimpleNamespace()
    w.app = app
    w.coach = make_user(Role.COACH, name="Priya Author")
    w.other_coach = make_user(Role.COACH, name="Tom Colleague")
    w.outsider = make_user(Role.COACH, name="Una Elsewhere")
    w.coordinator = make_user(Role.COORDINATOR, name="Dev Coordinator")
    w.lead = make_user(Role.COORDINATOR, name="Cara Lead", is_safeguarding_lead=True)
    w.alex_user = make_user(Role.PARTY, name="Alex Morgan")
    w.bea_user = make_user(Role.PARTY, name="Bea Lewis")
    w.case = make_case()
    allocate(w.case, w.coach)
    allocate(w.case, w.other_coach)
    elsewhere = make_case()
    allocate(elsewhere, w.outsider)
    w.alex = add_party(w.case, w.alex_user)
    w.bea = add_party(w.case, w.bea_user)
    w.cal = add_party(w.case, name="Cal Without Account")
    w.as_ = lambda user: Browser(app.test_client()).enter_as(user)
    w.case_url = f"/cases/{w.case.reference}"
    return w


def upload(data, name="summary.pdf"):
    return (io.BytesIO(data), name)


def note_url(world, note, action=""):
    return f"{world.case_url}/notes/{note.id}{'/' + action if action else ''}"


def file_url(world, note, note_file):
    return f"{world.case_url}/notes/{note.id}/files/{note_file.id}"


def post_multipart(world, user, url, fields):
    """POST a form with a file as a browser would, the body built in memory: the test client
    spools a large body to a temporary file that it never closes."""
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    from tests.conftest import csrf_from
    client = enter_as(world.app.test_client(), user)
    token = csrf_from(client.get(url).get_data(as_text=True))
    values = MultiDict([("csrf_token", token)])
    for name, value in fields.items():
        for item in (value if isinstance(value, list) else [value]):
            if isinstance(item, tuple):
                item = FileStorage(stream=item[0], filename=item[1],
                                   content_type="application/octet-stream")
            values.add(name, item)
    boundary, body = encode_multipart(values)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
