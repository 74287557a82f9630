"""The case page gets everything it shows from `case_context` (portal/cases/view.py): the
notes, sessions and action-point panels and the waiting invitations are loaded there, and the
templates only read them. No template global or context processor loads what the page shows."""

from contextlib import contextmanager

import pytest
from flask import before_render_template, template_rendered

from portal.cases import panels
from portal.db import database
from portal.vocab import VOCABULARIES, Audience, Role
from tests.conftest import enter_as
from tests.factories import add_party, allocate, make_action_point, make_case, make_note, make_session, make_user

# Every template global and context processor of Accord's own, each known to run no query
# while the page renders (the navigation's open-concern count is a function the page calls
# only where the navigation shows it, for coordinators; a party's coaches likewise, for parties
# only, in the layout). A new one must be added here on purpose.
# The vocabularies (classes of codes) are globals too, and load nothing.
QUERY_FREE_GLOBALS = {"local_today", "is_htmx", "action_point_status"} | {v.__name__ for v in VOCABULARIES}
CONTEXT_PROCESSORS = {"_current_actor", "_open_concern_count", "_party_coaches", "_undelivered_concerns"}


@pytest.fixture
def world(app):
    case = make_case(session_allowance=4)
    coach = make_user(Role.COACH)
    allocate(case, coach)
    invited = add_party(case, make_user(Role.PARTY, password=None))  # no password set yet
    settled = add_party(case, make_user(Role.PARTY))
    note = make_note(case, coach, Audience.CASE_TEAM)
    session = make_session(case, parties=[invited, settled], coaches=[coach], kind="coaching")
    point = make_action_point(case, settled)
    return case, coach, invited, note, session, point


@contextmanager
def captured(app, template):
    """The context `template` was rendered with, and the SQL run while rendering it."""
    seen = {"context": None, "sql": [], "rendering": False}
    real = database.obj  # the proxy's database: the proxy itself takes no attributes
    execute_sql = real.execute_sql

    def counting(sql, *args, **kwargs):
        if seen["rendering"]:
            seen["sql"].append(sql)
        return execute_sql(sql, *args, **kwargs)

    def started(sender, template=None, context=None, **extra):
        if template.name == wanted:
            seen["rendering"], seen["context"] = True, context

    def finished(sender, template=None, context=None, **extra):
        if template.name == wanted:
            seen["rendering"] = False

    wanted = template
    real.execute_sql = counting
    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    try:
        yield seen
    finally:
        del real.execute_sql
        before_render_template.disconnect(started, app)
        template_rendered.disconnect(finished, app)


def test_the_case_page_is_given_its_panels_by_case_context(app, client, world):
    case, coach, invited, note, session, point = world
    enter_as(client, coach)
    with captured(app, "cases/show.html") as seen:
        page = client.get(f"/cases/{case.reference}")
    assert page.status_code == 200
    context = seen["context"]
    assert context["invitations_waiting"] == {invited.id}
    assert context["changeable_action_points"] == {point.id}
    assert context["session_panel"]["allowance_used"] == 1
    assert context["session_panel"]["coaches"] == panels.session_panel(case, [session])["coaches"]
    assert set(context["note_panel"]["may"]) == {note.id}
    assert context["note_panel"]["may"][note.id]["edit"] is True
    assert context["note_panel"]["may_write"] is True


def test_rendering_the_case_page_runs_no_query(app, client, world):
    """A coach's page (no navigation count): everything was loaded before the template ran."""
    case, coach, *_ = world
    enter_as(client, coach)
    with captured(app, "cases/show.html") as seen:
        assert client.get(f"/cases/{case.reference}").status_code == 200
    assert seen["sql"] == []


def test_no_template_global_of_accord_loads_data(app):
    own = {name for name, value in app.jinja_env.globals.items()
           if getattr(value, "__module__", "").startswith("portal")}
    assert own == QUERY_FREE_GLOBALS
    processors = {f.__name__ for f in app.template_context_processors[None]
                  if f.__module__.startswith("portal")}
    assert processors == CONTEXT_PROCESSORS
