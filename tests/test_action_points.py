"""Action points and goals: set by staff on the case page, a party's own on their pages.

A party sees their own action points and goals and never another party's, on any page, fragment
or list; staff on the case see every party's; refusals get a message (422), a 403 or a 404.
"""

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal import policy, queries
from portal.models import ActionPoint, Case, CaseEvent, Goal, utcnow
from portal.policy import Actor, CaseFacts, PartyItemFacts
from portal.vocab import AgreementState, CaseKind, CaseStatus, GoalKind, Role
from tests.factories import (
    add_party,
    allocate,
    make_action_point,
    make_action_point_due,
    make_agreement,
    make_agreement_term,
    make_case,
    make_goal,
    make_user,
)

HTMX = {"HX-Request": "true"}


@pytest.fixture
def w(make_browser):
    """A mediation case with a coach, two parties with accounts, a coordinator and a stranger coach."""
    coordinator = make_user(Role.COORDINATOR)
    coach, stranger_coach = make_user(Role.COACH), make_user(Role.COACH)
    alex_user = make_user(Role.PARTY, name="Alex Example")
    bea_user = make_user(Role.PARTY, name="Bea Example")
    case = make_case()
    allocate(case, coach)
    alex, bea = add_party(case, alex_user), add_party(case, bea_user)

    signed_in = make_browser  # signed in without the form (conftest.enter_as)
    return SimpleNamespace(**locals())


def service_today(app):
    return datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()


def case_url(case):
    return f"/cases/{case.reference}"


def new_point_url(case, party):
    return f"/cases/{case.reference}/parties/{party.id}/action-points/new"


def new_goal_url(case, party):
    return f"/cases/{case.reference}/parties/{party.id}/goals/new"


def edit_url(point):
    return f"/cases/{point.case.reference}/action-points/{point.id}/edit"


def remove_url(point):
    return f"/cases/{point.case.reference}/action-points/{point.id}/remove"


def own_url(point, what=None):
    return f"/action-points/{point.id}" + (f"/{what}" if what else "")


def text(response):
    return response.get_data(as_text=True)


def item(html, dom_id):
    """The <li> with this id, as HTML (items hold no nested list items)."""
    at = html.index(f'id="{dom_id}"')
    return html[html.rindex("<li", 0, at):html.index("</li>", at)]


def own_item_ids(html):
    return [int(n) for n in re.findall(r'id="my-action-point-(\d+)"', html)]


def timeline(case):
    return [e.summary for e in CaseEvent.select().where(CaseEvent.case == case).order_by(CaseEvent.id)]


# --- staff set action points and goals ------------------------------------------------------

def test_a_coach_sets_an_action_point_for_a_party(w, app):
    due = service_today(app) + timedelta(days=14)
    coach = w.signed_in(w.coach)
    response = coach.submit(new_point_url(w.case, w.alex), {
        "text": "  Keep a diary of the noise  ", "due_on": due.isoformat(),
        "detail": "Dates and times are enough."})
    assert response.status_code == 303
    # Without JavaScript the person lands back at that party's action points, not the page top.
    assert response.headers["Location"].endswith(f"{case_url(w.case)}#party-items-{w.alex.id}")
    point = ActionPoint.get()
    assert (point.case_id, point.party_id, point.text, point.due_on, point.detail, point.created_by_id,
            point.done_at) == (w.case.id, w.alex.id, "Keep a diary of the noise", due,
                               "Dates and times are enough.", w.coach.id, None)
    assert timeline(w.case) == [f"Action point set for {w.alex.name}."]
    page = text(coach.get(case_url(w.case)))
    mine = item(page, f"action-point-{point.id}")
    assert "Keep a diary of the noise" in mine and f"Due by {due.day} {due:%B %Y}" in mine
    assert page.index(f'id="party-items-{w.alex.id}"') < page.index(f'id="action-point-{point.id}"') \
        < page.index(f'id="party-items-{w.bea.id}"')


def test_no_date_and_no_note_are_fine(w):
    response = w.signed_in(w.coordinator).submit(new_point_url(w.case, w.bea), {"text": "Call the office"})
    assert response.status_code == 303
    point = ActionPoint.get()
    assert (point.party_id, point.due_on, point.detail) == (w.bea.id, None, "")


@pytest.mark.parametrize("data, message", [
    ({"text": ""}, "Say what the action point is."),
    ({"text": "   \n  "}, "Say what the action point is."),
    ({"text": "x" * 501}, "Keep the action point to 500 characters or fewer."),
    ({"text": "Fine", "due_on": "yesterday-ish"}, "Enter the date as day/month/year, for example 21/11/2026."),
    ({"text": "Fine", "detail": "y" * 2001}, "Keep the note to 2,000 characters or fewer."),
])
def test_bad_action_point_input_gets_a_message_and_saves_nothing(w, data, message):
    response = w.signed_in(w.coach).submit(new_point_url(w.case, w.alex), data)
    assert response.status_code == 422
    assert message in text(response)
    assert ActionPoint.select().count() == 0 and timeline(w.case) == []


def test_a_due_date_in_the_past_is_refused(w, app):
    yesterday = service_today(app) - timedelta(days=1)
    response = w.signed_in(w.coach).submit(new_point_url(w.case, w.alex),
                                           {"text": "Fine", "due_on": yesterday.isoformat()})
    assert response.status_code == 422
    assert "The date cannot be in the past." in text(response)
    assert ActionPoint.select().count() == 0


def test_the_action_point_form_in_place_with_htmx(w):
    coach = w.signed_in(w.coach)
    form = coach.get(new_point_url(w.case, w.alex), headers=HTMX)
    assert form.status_code == 200
    assert text(form).lstrip().startswith(f'<div id="action-point-form-{w.alex.id}"')
    assert "<html" not in text(form)
    bad = coach.submit(new_point_url(w.case, w.alex), {"text": ""}, headers=HTMX)
    assert bad.status_code == 422
    assert bad.headers["HX-Retarget"] == f"#action-point-form-{w.alex.id}"
    assert text(bad).lstrip().startswith(f'<div id="action-point-form-{w.alex.id}"')
    assert "Say what the action point is." in text(bad)
    good = coach.submit(new_point_url(w.case, w.alex), {"text": "Bring the letters"}, headers=HTMX)
    assert good.status_code == 200 and good.headers["HX-Retarget"] == "#case"
    body = text(good)
    assert body.lstrip().startswith('<div id="case">') and "<html" not in body
    assert "Bring the letters" in item(body, f"action-point-{ActionPoint.get().id}")
    assert f"Action point set for {w.alex.name}." in body


def test_the_plain_form_page_works_without_javascript(w):
    page = w.signed_in(w.coach).get(new_point_url(w.case, w.alex))
    html = text(page)
    assert page.status_code == 200 and "<html" in html
    assert f"<h1>Set an action point for {w.alex.name}</h1>" in html
    assert f'action="{new_point_url(w.case, w.alex)}"' in html


def test_ids_on_two_open_forms_do_not_clash(w):
    coach = w.signed_in(w.coach)
    ids = [set(re.findall(r' id="([^"]+)"', text(coach.get(url, headers=HTMX))))
           for url in (new_point_url(w.case, w.alex), new_point_url(w.case, w.bea),
                       new_goal_url(w.case, w.alex))]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2])


@pytest.mark.parametrize("kind, words", [(GoalKind.GOAL, "Goal"), (GoalKind.DESIRED_OUTCOME, "Desired outcome")])
def test_staff_record_a_goal_or_desired_outcome(w, kind, words):
    staff = w.signed_in(w.coordinator)
    response = staff.submit(new_goal_url(w.case, w.bea), {"kind": kind, "text": "Feel safe at home"})
    assert response.status_code == 303
    goal = Goal.get()
    assert (goal.party_id, goal.kind, goal.text, goal.created_by_id) == (
        w.bea.id, kind, "Feel safe at home", w.coordinator.id)
    assert timeline(w.case) == [f"{words} recorded for {w.bea.name}."]
    page = text(staff.get(case_url(w.case)))
    assert f"<strong>{words}:</strong>" in page[page.index(f'id="goal-{goal.id}"'):]


@pytest.mark.parametrize("data, message", [
    ({"text": "Feel safe"}, "Choose a goal or a desired outcome."),
    ({"kind": "goal", "text": " "}, "Write the goal or desired outcome."),
    ({"kind": "wish", "text": "Feel safe"}, "Not a valid choice"),
])
def test_bad_goal_input_gets_a_message_and_saves_nothing(w, data, message):
    response = w.signed_in(w.coach).submit(new_goal_url(w.case, w.alex), data)
    assert response.status_code == 422 and message in text(response)
    assert Goal.select().count() == 0


def test_the_goal_form_in_place_with_htmx(w):
    coach = w.signed_in(w.coach)
    bad = coach.submit(new_goal_url(w.case, w.alex), {"text": "x"}, headers=HTMX)
    assert bad.status_code == 422 and bad.headers["HX-Retarget"] == f"#goal-form-{w.alex.id}"
    assert text(bad).lstrip().startswith(f'<div id="goal-form-{w.alex.id}"')
    good = coach.submit(new_goal_url(w.case, w.alex), {"kind": "goal", "text": "Sleep well"}, headers=HTMX)
    assert good.status_code == 200 and good.headers["HX-Retarget"] == "#case"
    assert "Sleep well" in text(good)


# --- who may set them -----------------------------------------------------------------------

STAFF_FORMS = [new_point_url, new_goal_url]


@pytest.mark.parametrize("url", STAFF_FORMS)
def test_on_a_closed_case_nobody_sets_them(w, url):
    Case.update(status=CaseStatus.CLOSED).where(Case.id == w.case.id).execute()
    for user in (w.coach, w.coordinator):
        browser = w.signed_in(user)
        assert browser.get(url(w.case, w.alex)).status_code == 403
        assert browser.submit(url(w.case, w.alex), {"kind": "goal", "text": "Try"},
                              page="/").status_code == 403
        assert "Set an action point" not in text(browser.get(case_url(w.case)))
    assert ActionPoint.select().count() == 0 and Goal.select().count() == 0


@pytest.mark.parametrize("url", STAFF_FORMS)
def test_a_coach_not_on_the_case_finds_nothing(w, url):
    former = make_user(Role.COACH)
    allocate(w.case, former, ended=True)
    for user in (w.stranger_coach, former):
        browser = w.signed_in(user)
        assert browser.get(url(w.case, w.alex)).status_code == 404
        assert browser.submit(url(w.case, w.alex), {"kind": "goal", "text": "Try"},
                              page="/").status_code == 404
    assert ActionPoint.select().count() == 0 and Goal.select().count() == 0


@pytest.mark.parametrize("url", STAFF_FORMS)
def test_a_party_may_not_use_the_staff_forms(w, url):
    alex = w.signed_in(w.alex_user)
    assert alex.get(url(w.case, w.alex)).status_code == 403
    assert alex.submit(url(w.case, w.alex), {"kind": "goal", "text": "Mine"}, page="/party").status_code == 403
    assert ActionPoint.select().count() == 0 and Goal.select().count() == 0


@pytest.mark.parametrize("url", STAFF_FORMS)
def test_a_party_of_another_case_is_not_found_on_this_one(w, url):
    elsewhere = add_party(make_case(), name="Someone Elsewhere")
    response = w.signed_in(w.coach).submit(url(w.case, elsewhere), {"kind": "goal", "text": "x"},
                                           page=case_url(w.case))
    assert response.status_code == 404
    assert ActionPoint.select().count() == 0 and Goal.select().count() == 0


# --- staff change or remove an open action point ---------------------------------------------

def test_staff_change_an_action_point(w, app):
    point = make_action_point(w.case, w.alex, text="Old words")
    new_due = service_today(app) + timedelta(days=3)
    coach = w.signed_in(w.coach)
    form = text(coach.get(edit_url(point)))
    assert "Old words" in form
    response = coach.submit(edit_url(point), {"text": "New words", "due_on": new_due.isoformat(),
                                              "detail": "A note"})
    assert response.status_code == 303
    point = ActionPoint.get_by_id(point.id)
    assert (point.text, point.due_on, point.detail) == ("New words", new_due, "A note")
    assert timeline(w.case) == [f"Action point changed for {w.alex.name}."]


def test_an_overdue_date_may_stay_but_not_move_to_another_past_day(w, app):
    past = service_today(app) - timedelta(days=4)
    point = make_action_point_due(w.case, w.alex, past, text="Late one")
    coach = w.signed_in(w.coach)
    moved = coach.submit(edit_url(point), {"text": "Late one", "due_on": (past + timedelta(days=1)).isoformat()})
    assert moved.status_code == 422 and "The date cannot be in the past." in text(moved)
    kept = coach.submit(edit_url(point), {"text": "Late one, reworded", "due_on": past.isoformat()})
    assert kept.status_code == 303
    assert ActionPoint.get_by_id(point.id).text == "Late one, reworded"


def test_staff_remove_an_open_action_point(w):
    point = make_action_point(w.case, w.alex, text="Not needed after all")
    coach = w.signed_in(w.coach)
    response = coach.submit(remove_url(point), page=edit_url(point), headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Retarget"] == "#case"
    assert "Not needed after all" not in text(response)
    assert ActionPoint.select().count() == 0
    assert timeline(w.case) == [f"Action point removed for {w.alex.name}."]


def test_done_and_agreed_action_points_are_not_changed_or_removed(w):
    done = make_action_point(w.case, w.alex, text="Done one", done_at=utcnow())
    term = make_agreement_term(make_agreement(w.case, w.coach, state=AgreementState.FINAL), w.alex)
    agreed = make_action_point(w.case, w.alex, text="Agreed one", agreement_term=term)
    open_one = make_action_point(w.case, w.alex, text="Open one")
    coach = w.signed_in(w.coach)
    for point in (done, agreed):
        assert coach.get(edit_url(point)).status_code == 403
        assert coach.submit(edit_url(point), {"text": "Changed"}, page=case_url(w.case)).status_code == 403
        assert coach.submit(remove_url(point), page=case_url(w.case)).status_code == 403
    assert {p.text for p in ActionPoint.select()} == {"Done one", "Agreed one", "Open one"}
    page = text(coach.get(case_url(w.case)))
    assert "Change or remove" in item(page, f"action-point-{open_one.id}")
    for point in (done, agreed):
        assert "Change or remove" not in item(page, f"action-point-{point.id}")


def test_an_action_point_of_another_case_is_not_found_through_this_one(w):
    other_case = make_case()
    allocate(other_case, w.coach)
    elsewhere = make_action_point(other_case, add_party(other_case, name="Elsewhere"))
    coach = w.signed_in(w.coach)
    url = f"/cases/{w.case.reference}/action-points/{elsewhere.id}/edit"
    assert coach.get(url).status_code == 404
    stranger = w.signed_in(w.stranger_coach)
    assert stranger.get(edit_url(elsewhere)).status_code == 404


# --- the case page --------------------------------------------------------------------------

def test_the_case_page_lists_each_partys_items_open_first(w, app):
    today = service_today(app)
    late = make_action_point_due(w.case, w.alex, today + timedelta(days=9), text="Later one")
    soon = make_action_point_due(w.case, w.alex, today + timedelta(days=2), text="Sooner one")
    finished = make_action_point_due(w.case, w.alex, today - timedelta(days=9), text="Finished one",
                                     done_at=utcnow(), party_comment="All sorted")
    overdue = make_action_point_due(w.case, w.alex, today - timedelta(days=1), text="Overdue one")
    bea_point = make_action_point(w.case, w.bea, text="Bea own point")
    make_goal(w.case, w.alex, text="Alex goal text")
    page = text(w.signed_in(w.coordinator).get(case_url(w.case)))
    order = [page.index(f'id="action-point-{p.id}"') for p in (overdue, soon, late, finished)]
    assert order == sorted(order)
    assert "Overdue" in item(page, f"action-point-{overdue.id}")
    assert "card-overdue" in item(page, f"action-point-{overdue.id}")
    assert "Done" in item(page, f"action-point-{finished.id}")
    assert "Overdue" not in item(page, f"action-point-{finished.id}")
    assert f"Comment from {w.alex.name}:</span> All sorted" in item(page, f"action-point-{finished.id}")
    alex_part = page[page.index(f'id="party-items-{w.alex.id}"'):page.index(f'id="party-items-{w.bea.id}"')]
    assert "Alex goal text" in alex_part and "Bea own point" not in alex_part
    assert f'id="action-point-{bea_point.id}"' in page[page.index(f'id="party-items-{w.bea.id}"'):]


# --- a party's own action points -------------------------------------------------------------

def test_a_party_sees_their_own_open_first_by_due_date(w, app):
    today = service_today(app)
    other_case = make_case(kind=CaseKind.COACHING)
    alex_again = add_party(other_case, w.alex_user)
    undated = make_action_point_due(w.case, w.alex, None, text="Whenever")
    late = make_action_point_due(other_case, alex_again, today + timedelta(days=9), text="Later")
    finished = make_action_point_due(w.case, w.alex, today + timedelta(days=1), text="Finished",
                                     done_at=utcnow())
    soon = make_action_point_due(w.case, w.alex, today + timedelta(days=2), text="Sooner")
    overdue = make_action_point_due(other_case, alex_again, today - timedelta(days=2), text="Overdue")
    alex = w.signed_in(w.alex_user)
    expected = [overdue.id, soon.id, late.id, undated.id, finished.id]
    for url in ("/party", "/action-points"):
        html = text(alex.get(url))
        assert own_item_ids(html) == expected
        assert "Overdue" in item(html, f"my-action-point-{overdue.id}")
        assert "card-overdue" in item(html, f"my-action-point-{overdue.id}")
        assert "Done" in item(html, f"my-action-point-{finished.id}")
        assert "No date set" in item(html, f"my-action-point-{undated.id}")
        assert f"case {other_case.reference}" in item(html, f"my-action-point-{late.id}")


def test_overdue_is_decided_by_the_services_date(w, app, make_browser):
    # Just before midnight UTC in summer, it is already the next day in London.
    moment = datetime(2027, 7, 1, 23, 30, tzinfo=UTC)
    local_day = moment.astimezone(ZoneInfo(app.config["TIMEZONE"])).date()
    assert local_day != moment.date(), "choose a moment when the service's date is not UTC's"
    with time_machine.travel(moment, tick=False):
        yesterday_here = make_action_point_due(w.case, w.alex, moment.date(), text="Due yesterday here")
        today_here = make_action_point_due(w.case, w.alex, local_day, text="Due today here")
        done_late = make_action_point_due(w.case, w.alex, moment.date() - timedelta(days=3),
                                          text="Done late", done_at=utcnow())
        alex = make_browser()
        alex.enter_as(w.alex_user)
        for url in ("/party", "/action-points"):
            html = text(alex.get(url))
            assert "Overdue" in item(html, f"my-action-point-{yesterday_here.id}")
            assert "Overdue" not in item(html, f"my-action-point-{today_here.id}")
            assert "Due today" in item(html, f"my-action-point-{today_here.id}")
            assert "Overdue" not in item(html, f"my-action-point-{done_late.id}")
        coach = make_browser()
        coach.enter_as(w.coach)
        page = text(coach.get(case_url(w.case)))
        assert "Overdue" in item(page, f"action-point-{yesterday_here.id}")
        assert "Overdue" not in item(page, f"action-point-{today_here.id}")
        refused = coach.submit(new_point_url(w.case, w.alex), {"text": "x", "due_on": moment.date().isoformat()})
        assert refused.status_code == 422 and "The date cannot be in the past." in text(refused)
        accepted = coach.submit(new_point_url(w.case, w.alex), {"text": "x", "due_on": local_day.isoformat()})
        assert accepted.status_code == 303


@pytest.mark.parametrize("back, where", [("home", "/party"), ("list", "/action-points"),
                                         ("https://evil.example", "/action-points")])
def test_a_party_marks_done_and_reopens_without_javascript(w, back, where):
    point = make_action_point(w.case, w.alex, text="Phone the council")
    alex = w.signed_in(w.alex_user)
    response = alex.submit(own_url(point, "done"), {"back": back}, page=where)
    assert response.status_code == 303 and response.headers["Location"].endswith(where)
    assert ActionPoint.get_by_id(point.id).done_at is not None
    page = text(alex.get(where))
    assert "Marked as done." in page and "Mark as not done" in item(page, f"my-action-point-{point.id}")
    again = alex.submit(own_url(point, "done"), {"back": back}, page=where)
    assert again.status_code == 303
    assert timeline(w.case) == [f"{w.alex.name} marked an action point done."]
    reopened = alex.submit(own_url(point, "not-done"), {"back": back}, page=where)
    assert reopened.status_code == 303
    assert ActionPoint.get_by_id(point.id).done_at is None
    assert timeline(w.case)[-1] == f"{w.alex.name} reopened an action point."


def test_a_party_marks_done_with_htmx_and_the_item_swaps_itself(w):
    point = make_action_point(w.case, w.alex, text="Phone the council")
    alex = w.signed_in(w.alex_user)
    response = alex.submit(own_url(point, "done"), {"back": "home"}, page="/party", headers=HTMX)
    assert response.status_code == 200
    body = text(response)
    assert re.match(rf'\s*<li [^>]*id="my-action-point-{point.id}"', body)
    assert "<html" not in body and "Mark as not done" in body and "Done" in body
    assert 'hx-swap-oob="innerHTML:#flashes"' in body and "Marked as done." in body
    assert 'name="back" value="home"' in body
    assert ActionPoint.get_by_id(point.id).done_at is not None


def test_a_party_comments_and_changes_the_comment(w):
    point = make_action_point(w.case, w.alex, text="Phone the council")
    alex = w.signed_in(w.alex_user)
    response = alex.submit(own_url(point, "comment"), {"comment": "  Left a message.  ", "back": "list"},
                           page="/action-points")
    assert response.status_code == 303 and response.headers["Location"].endswith("/action-points")
    assert ActionPoint.get_by_id(point.id).party_comment == "Left a message."
    assert "Your comment:</span> Left a message." in item(text(alex.get("/action-points")),
                                                         f"my-action-point-{point.id}")
    changed = alex.submit(own_url(point, "comment"), {"comment": "They called back."}, page="/action-points",
                          headers=HTMX)
    assert changed.status_code == 200
    assert re.match(rf'\s*<li [^>]*id="my-action-point-{point.id}"', text(changed))
    assert "They called back." in text(changed)
    removed = alex.submit(own_url(point, "comment"), {"comment": ""}, page="/action-points")
    assert removed.status_code == 303 and ActionPoint.get_by_id(point.id).party_comment == ""
    without_the_field = alex.submit(own_url(point, "comment"), {}, page="/action-points")
    assert without_the_field.status_code == 303 and ActionPoint.get_by_id(point.id).party_comment == ""
    assert timeline(w.case) == [f"{w.alex.name} commented on an action point.",
                                f"{w.alex.name} commented on an action point.",
                                f"{w.alex.name} removed their comment on an action point."]
    staff_page = text(w.signed_in(w.coach).get(case_url(w.case)))
    assert "They called back." not in staff_page


def test_a_comment_of_500_characters_is_fine_and_line_breaks_count_once(w):
    point = make_action_point(w.case, w.alex)
    alex = w.signed_in(w.alex_user)
    comment = "\r\n".join(["abcd"] * 100)  # 499 characters once line breaks are one each
    assert alex.submit(own_url(point, "comment"), {"comment": comment}, page="/action-points").status_code == 303
    assert len(ActionPoint.get_by_id(point.id).party_comment) == 499


def test_a_comment_too_long_is_refused_with_a_message(w):
    point = make_action_point(w.case, w.alex, party_comment="Earlier words")
    alex = w.signed_in(w.alex_user)
    plain = alex.submit(own_url(point, "comment"), {"comment": "x" * 501}, page="/action-points")
    assert plain.status_code == 422
    page = text(plain)
    assert "Keep your comment to 500 characters or fewer." in page
    assert f'href="#my-action-point-{point.id}-comment"' in page  # the error summary links to it
    assert "x" * 501 in page  # what they wrote is kept for them to shorten
    htmx = alex.submit(own_url(point, "comment"), {"comment": "x" * 501}, page="/action-points", headers=HTMX)
    assert htmx.status_code == 422
    assert htmx.headers["HX-Retarget"] == f"#my-action-point-{point.id}"
    assert re.match(rf'\s*<li [^>]*id="my-action-point-{point.id}"', text(htmx))
    assert "Keep your comment to 500 characters or fewer." in text(htmx)
    assert ActionPoint.get_by_id(point.id).party_comment == "Earlier words"
    assert timeline(w.case) == []


@pytest.mark.parametrize("what", ["done", "not-done", "comment"])
def test_a_party_acting_on_another_partys_action_point_finds_nothing(w, what):
    bea_point = make_action_point(w.case, w.bea, text="Bea own point", done_at=utcnow() if what == "not-done" else None)
    alex = w.signed_in(w.alex_user)
    assert alex.get(own_url(bea_point)).status_code == 404
    response = alex.submit(own_url(bea_point, what), {"comment": "Meddling"}, page="/action-points")
    assert response.status_code == 404 and "Bea own point" not in text(response)
    assert alex.submit(own_url(bea_point, what), {"comment": "Meddling"}, page="/action-points",
                       headers=HTMX).status_code == 404
    after = ActionPoint.get_by_id(bea_point.id)
    assert (after.done_at is None, after.party_comment) == (what != "not-done", "")


@pytest.mark.parametrize("role", [Role.COACH, Role.COORDINATOR])
def test_staff_do_not_use_a_partys_own_pages(w, role):
    point = make_action_point(w.case, w.alex)
    staff = w.signed_in(w.coach if role == Role.COACH else w.coordinator)
    assert staff.get("/action-points").status_code == 403
    assert staff.get(own_url(point)).status_code == 403
    assert staff.submit(own_url(point, "done"), page=case_url(w.case)).status_code == 403
    assert ActionPoint.get_by_id(point.id).done_at is None


def test_on_a_closed_case_the_party_reads_but_does_not_change(w):
    point = make_action_point(w.case, w.alex, text="Phone the council")
    Case.update(status=CaseStatus.CLOSED).where(Case.id == w.case.id).execute()
    alex = w.signed_in(w.alex_user)
    mine = item(text(alex.get("/action-points")), f"my-action-point-{point.id}")
    assert "Phone the council" in mine and "Mark as done" not in mine and "This case is closed" in mine
    for what in ("done", "comment"):
        assert alex.submit(own_url(point, what), {"comment": "Late"}, page="/action-points").status_code == 403
    assert ActionPoint.get_by_id(point.id).done_at is None


def _term_point(w, state, party=None):
    """Party Alex's action point made from a term of an agreement in `state`."""
    coach = w.coach
    agreement = make_agreement(w.case, coach, state=state)
    term = make_agreement_term(agreement, what="Keep to the quiet hours")
    return make_action_point(w.case, party or w.alex, text="Keep to the quiet hours", agreement_term=term)


def test_on_a_closed_case_a_final_agreements_terms_run_on_for_their_party(w):
    point = _term_point(w, AgreementState.FINAL)
    Case.update(status=CaseStatus.CLOSED).where(Case.id == w.case.id).execute()
    alex = w.signed_in(w.alex_user)
    mine = item(text(alex.get("/action-points")), f"my-action-point-{point.id}")
    assert "Mark as done" in mine and "runs on after the case has closed" in mine
    assert alex.submit(own_url(point, "done"), {"back": "list"}, page="/action-points").status_code == 303
    assert ActionPoint.get_by_id(point.id).done_at is not None
    assert alex.submit(own_url(point, "comment"), {"comment": "Kept it", "back": "list"},
                       page="/action-points").status_code == 303
    assert ActionPoint.get_by_id(point.id).party_comment == "Kept it"
    home = item(text(alex.get("/party")), f"my-action-point-{point.id}")
    assert "Mark as not done" in home
    # Another party, and staff, still change nothing on the closed case.
    bea = w.signed_in(w.bea_user)
    assert bea.submit(own_url(point, "not-done"), {"back": "list"}, page="/action-points").status_code == 404
    coach = w.signed_in(w.coach)
    assert coach.submit(own_url(point, "not-done"), {"back": "list"}, page="/action-points").status_code == 403
    assert coach.submit(edit_url(point), {"text": "x"}, page=case_url(w.case)).status_code == 403


@pytest.mark.parametrize("state", [AgreementState.SUPERSEDED, AgreementState.PROPOSED])
def test_on_a_closed_case_terms_of_other_versions_stay_as_they_were(w, state):
    point = _term_point(w, state)
    Case.update(status=CaseStatus.CLOSED).where(Case.id == w.case.id).execute()
    alex = w.signed_in(w.alex_user)
    mine = item(text(alex.get("/action-points")), f"my-action-point-{point.id}")
    assert "Mark as done" not in mine and "This case is closed" in mine
    assert alex.submit(own_url(point, "done"), {"back": "list"}, page="/action-points").status_code == 403
    assert ActionPoint.get_by_id(point.id).done_at is None


def test_the_party_sees_their_goals(w):
    make_goal(w.case, w.alex, text="Sleep through the night")
    make_goal(w.case, w.alex, text="Talk without shouting", kind=GoalKind.DESIRED_OUTCOME)
    html = text(w.signed_in(w.alex_user).get("/action-points"))
    section = html[html.index('id="goals-heading"'):]
    assert "Sleep through the night" in section and "Talk without shouting" in section
    assert "Desired outcome" in section


# --- never another party's ------------------------------------------------------------------

def test_a_party_never_sees_another_partys_action_points_or_goals(w):
    alex_point = make_action_point(w.case, w.alex, text="MARKER-ALEX-POINT", detail="MARKER-ALEX-NOTE",
                                   party_comment="MARKER-ALEX-COMMENT")
    make_goal(w.case, w.alex, text="MARKER-ALEX-GOAL")
    bea_point = make_action_point(w.case, w.bea, text="Bea own point")
    bea = w.signed_in(w.bea_user)
    pages = {url: bea.get(url) for url in ("/party", "/action-points", own_url(bea_point),
                                           own_url(alex_point), case_url(w.case))}
    pages["done fragment"] = bea.submit(own_url(bea_point, "done"), page="/action-points", headers=HTMX)
    pages["comment fragment"] = bea.submit(own_url(bea_point, "comment"), {"comment": "y" * 600},
                                           page="/action-points", headers=HTMX)
    pages["another's, with htmx"] = bea.get(own_url(alex_point), headers=HTMX)
    for where, response in pages.items():
        assert "MARKER-ALEX" not in text(response), where
    assert pages[own_url(alex_point)].status_code == 404
    assert pages[case_url(w.case)].status_code == 403
    for url in ("/party", "/action-points"):
        assert own_item_ids(text(pages[url])) == [bea_point.id]
    assert "You have no action points." not in text(pages["/party"])
    assert "No goals or desired outcomes have been recorded with you yet." in text(pages["/action-points"])


# --- the policy and the queries -------------------------------------------------------------

ALEX_USER, BEA_USER, COACH_ID, COORD_ID, STRANGER = 1, 2, 3, 4, 5
ALEX, BEA = 10, 11


def _facts(closed=False):
    return CaseFacts(case_id=7, coach_ids=frozenset({COACH_ID}),
                     party_users={ALEX: ALEX_USER, BEA: BEA_USER}, closed=closed)


ACTORS = {
    "alex": Actor(ALEX_USER, Role.PARTY),
    "bea": Actor(BEA_USER, Role.PARTY),
    "deactivated alex": Actor(ALEX_USER, Role.PARTY, active=False),
    "allocated coach": Actor(COACH_ID, Role.COACH),
    "deactivated coach": Actor(COACH_ID, Role.COACH, active=False),
    "unallocated coach": Actor(STRANGER, Role.COACH),
    "coordinator": Actor(COORD_ID, Role.COORDINATOR),
}
#                         manage  update alex's own   (open case; a closed case allows nothing)
POLICY_ROWS = {
    "alex":               (False, True),
    "bea":                (False, False),
    "deactivated alex":   (False, False),
    "allocated coach":    (True, False),
    "deactivated coach":  (False, False),
    "unallocated coach":  (False, False),
    "coordinator":        (True, False),
}


@pytest.mark.parametrize("who", list(POLICY_ROWS))
@pytest.mark.parametrize("closed", [False, True])
def test_the_policy_for_setting_and_updating(who, closed):
    actor, case = ACTORS[who], _facts(closed)
    manage, update = POLICY_ROWS[who] if not closed else (False, False)
    alexs = PartyItemFacts(case_id=7, party_id=ALEX)
    assert policy.can_manage_party_items(actor, case) is manage
    assert policy.can_update_own_action_point(actor, case, alexs) is update
    assert policy.can_change_action_point(actor, case, alexs, done=False, from_agreement=False) is manage
    assert policy.can_change_action_point(actor, case, alexs, done=True, from_agreement=False) is False
    assert policy.can_change_action_point(actor, case, alexs, done=False, from_agreement=True) is False
    elsewhere = PartyItemFacts(case_id=8, party_id=ALEX)
    assert policy.can_update_own_action_point(actor, case, elsewhere) is False
    assert policy.can_change_action_point(actor, case, elsewhere, done=False, from_agreement=False) is False


def test_a_partys_own_lists_are_exactly_what_the_policy_allows(app):
    """party_action_points and party_goals, for every kind of user, on a few cases."""
    coordinator, coach, former = make_user(Role.COORDINATOR), make_user(Role.COACH), make_user(Role.COACH)
    alex, bea, carl = (make_user(Role.PARTY) for _ in range(3))
    gone = make_user(Role.PARTY, active=False)
    mediation, coaching, other = make_case(), make_case(CaseKind.COACHING), make_case()
    allocate(mediation, coach)
    allocate(coaching, former, ended=True)
    records = [add_party(mediation, alex), add_party(mediation, bea), add_party(coaching, alex),
               add_party(other, carl), add_party(other, gone), add_party(other, name="No account")]
    for i, record in enumerate(records):
        make_action_point(record.case, record, text=f"point {i}")
        make_action_point(record.case, record, text=f"done {i}", done_at=utcnow())
        make_goal(record.case, record, text=f"goal {i}")
    # Inconsistent rows: on one case, but pointing at the same person's record on another case.
    make_action_point(other, records[0], text="astray")
    make_goal(other, records[2], text="astray")
    cases = {c.id: queries.case_facts(c) for c in (mediation, coaching, other)}
    for user in (coordinator, coach, former, alex, bea, carl, gone):
        actor = user.actor()

        def allowed(rows, actor=actor):
            return {r.id for r in rows if actor.role == Role.PARTY and policy.can_view_party_item(
                actor, cases[r.case_id], PartyItemFacts(case_id=r.case_id, party_id=r.party_id))}
        assert {p.id for p in queries.party_action_points(user)} == allowed(ActionPoint.select()), user.email
        assert {g.id for g in queries.party_goals(user)} == allowed(Goal.select()), user.email
    assert len({p.id for p in queries.party_action_points(alex)}) == 4
