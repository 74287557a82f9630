"""Raising a safeguarding concern on a case, and the email every safeguarding lead gets at once."""

import logging
import socket
from urllib.parse import urlsplit

import pytest

from portal.models import AuditEvent, CaseEvent, OutboxMessage, SafeguardingConcern
from portal.vocab import ConcernState, MessageState, Role
from tests.apps import body_of, links_in
from tests.conftest import enter_as
from tests.factories import add_party, allocate, make_case, make_user

HTMX = {"HX-Request": "true"}

# Unique strings that must never leave the concern: not in any email, its headers or the log.
DESCRIPTION_MARKER = "Zxq-description-marker-7731"
OTHER_PERSON_MARKER = "Yvonne Qarker-Otherperson"
PARTY_MARKER = "Quentin Partymarker"
OTHER_PARTY_MARKER = "Wilhelmina Secondparty"
PLACE_MARKER = "Vxw-place-marker-5520"
MARKERS = (DESCRIPTION_MARKER, OTHER_PERSON_MARKER, PARTY_MARKER, OTHER_PARTY_MARKER, PLACE_MARKER)


@pytest.fixture
def world(app):
    """A case with two parties and a coach; two leads, a non-lead coordinator, an inactive lead."""
    case = make_case()
    coach = make_user(Role.COACH, name="Cora Coachname")
    allocate(case, coach)
    party_user = make_user(Role.PARTY, name=PARTY_MARKER)
    quentin = add_party(case, party_user)
    wilhelmina = add_party(case, name=OTHER_PARTY_MARKER)
    leads = [make_user(Role.COORDINATOR, is_safeguarding_lead=True, name=f"Lead Number{i}")
             for i in (1, 2)]
    return {
        "app": app, "case": case, "coach": coach, "party_user": party_user, "quentin": quentin,
        "wilhelmina": wilhelmina, "leads": leads,
        "coordinator": make_user(Role.COORDINATOR, name="Plain Coordinator"),
        "inactive_lead": make_user(Role.COORDINATOR, is_safeguarding_lead=True, active=False),
        "lead_coach": make_user(Role.COACH, is_safeguarding_lead=True),  # not a coordinator
    }


def raise_url(case):
    return f"/cases/{case.reference}/concerns/new"


def full_concern(world, **overrides):
    return {"about": f"party-{world['quentin'].id}", "category": "domestic_abuse",
            "level": "immediate", "description": f"She said: {DESCRIPTION_MARKER}",
            "occurred_at": f"Tuesday, at {PLACE_MARKER}", **overrides}


def test_an_allocated_coach_raises_a_concern_and_it_is_saved_as_written(world, browser):
    browser.enter_as(world["coach"])
    case = world["case"]
    page = browser.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert f'href="{raise_url(case)}"' in page and "Raise a safeguarding concern" in page
    response = browser.submit(raise_url(case), full_concern(world))
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == f"/cases/{case.reference}"
    concern = SafeguardingConcern.get()
    assert (concern.case_id, concern.raised_by_id, concern.about_party_id, concern.about_other_person,
            concern.category, concern.level, concern.description, concern.occurred_at, concern.state) == (
        case.id, world["coach"].id, world["quentin"].id, "", "domestic_abuse", "immediate",
        f"She said: {DESCRIPTION_MARKER}", f"Tuesday, at {PLACE_MARKER}", ConcernState.OPEN)
    audit = AuditEvent.get(AuditEvent.event == "safeguarding.concern_raised")
    assert (audit.actor_id, audit.record_type, audit.record_id, audit.case_id) == (
        world["coach"].id, "SafeguardingConcern", concern.id, case.id)
    assert not any(marker in audit.detail for marker in MARKERS)
    after = browser.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "The safeguarding leads are being emailed now." in after
    assert f"/safeguarding/concerns/{concern.id}" in after
    assert "1 concern not yet closed" in after


def test_a_coordinator_raises_a_concern_about_someone_else_by_name(world, browser):
    browser.enter_as(world["coordinator"])
    response = browser.submit(raise_url(world["case"]), full_concern(
        world, about="someone_else", about_other_person=OTHER_PERSON_MARKER, occurred_at=""))
    assert response.status_code == 303
    concern = SafeguardingConcern.get()
    assert (concern.about_party_id, concern.about_other_person, concern.occurred_at) == (
        None, OTHER_PERSON_MARKER, "")


def test_a_name_typed_for_someone_else_is_not_kept_when_the_concern_is_about_a_party(world, browser):
    browser.enter_as(world["coach"])
    browser.submit(raise_url(world["case"]), full_concern(world, about_other_person="Stray Name"))
    assert SafeguardingConcern.get().about_other_person == ""


@pytest.mark.parametrize("change, message", [
    ({"description": "  "}, "Write what you saw or heard, in the words used."),
    ({"category": ""}, "Choose what kind of concern it is."),
    ({"category": "gossip"}, "Not a valid choice"),
    ({"level": ""}, "Choose how urgent it is."),
    ({"level": "urgent"}, "Not a valid choice"),
    ({"about": "someone_else", "about_other_person": ""},
     "Enter the name of the person the concern is about."),
    ({"about": "party-999999"}, "Not a valid choice"),
    ({"description": "x" * 10001}, "Use at most 10,000 characters."),
])
def test_bad_input_gets_a_message_and_saves_nothing(world, browser, outbox, change, message):
    browser.enter_as(world["coach"])
    response = browser.submit(raise_url(world["case"]), full_concern(world, **change))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and message in html
    assert SafeguardingConcern.select().count() == 0
    assert outbox() == []
    assert not AuditEvent.select().where(AuditEvent.event.startswith("safeguarding.")).exists()


def test_a_party_of_another_case_cannot_be_named(world, browser):
    other = add_party(make_case(), name="Someone Elsewhere")
    browser.enter_as(world["coach"])
    response = browser.submit(raise_url(world["case"]), full_concern(world, about=f"party-{other.id}"))
    assert response.status_code == 422
    assert SafeguardingConcern.select().count() == 0


def test_the_form_works_in_place_with_htmx(world, browser):
    browser.enter_as(world["coach"])
    case = world["case"]
    form = browser.get(raise_url(case), headers=HTMX)
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="raise-concern-form"') and "<html" not in html
    assert PARTY_MARKER in html and OTHER_PARTY_MARKER in html  # the parties to choose from
    bad = browser.submit(raise_url(case), full_concern(world, level=""), headers=HTMX, page=raise_url(case))
    assert bad.status_code == 422
    assert bad.headers["HX-Retarget"] == "#raise-concern-form"
    good = browser.submit(raise_url(case), full_concern(world), headers=HTMX, page=raise_url(case))
    assert good.status_code == 200
    assert good.headers["HX-Retarget"] == "#case"
    body = good.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="case">') and "The safeguarding leads are being emailed now." in body


def test_without_javascript_the_form_is_a_page_of_its_own(world, browser):
    browser.enter_as(world["coach"])
    page = browser.get(raise_url(world["case"])).get_data(as_text=True)
    assert "<h1>Raise a safeguarding concern</h1>" in page
    assert 'action="' + raise_url(world["case"]) + '"' in page


def test_who_may_raise_a_concern(world, make_browser):
    case = world["case"]
    unallocated = make_user(Role.COACH)
    former = make_user(Role.COACH)
    allocate(case, former, ended=True)
    expected = {
        world["coach"]: 200, world["coordinator"]: 200, world["leads"][0]: 200,
        unallocated: 404, former: 404, world["lead_coach"]: 404,
        world["party_user"]: 403,  # a party on this case: the case is theirs, raising is not
        make_user(Role.PARTY): 404,
    }
    for user, status in expected.items():
        person = make_browser()
        enter_as(person.client, user)
        assert person.get(raise_url(case)).status_code == status, user.name
        if status != 200:
            # With a valid CSRF token (from their home page): still refused, nothing saved.
            response = person.submit(raise_url(case), full_concern(world), page="/")
            assert response.status_code == status, user.name
    assert SafeguardingConcern.select().count() == 0


# --- the email to the safeguarding leads ---------------------------------------------------

def every_text_of(message):
    """Every header value and the decoded body of an email."""
    return "\n".join([f"{name}: {value}" for name, value in message.items()] + [body_of(message)])


def test_every_active_lead_is_emailed_at_once_with_the_level_the_reference_and_a_link(world, browser, outbox):
    browser.enter_as(world["coach"])
    browser.submit(raise_url(world["case"]), full_concern(world))
    concern = SafeguardingConcern.get()
    messages = outbox()
    assert sorted(m["To"] for m in messages) == sorted(lead.email for lead in world["leads"])
    for message in messages:
        body = body_of(message)
        assert "immediate" in message["Subject"].lower()
        assert world["case"].reference in body and "immediate" in body
        [link] = links_in(message)
        assert link == f"{world['app'].config['PUBLIC_BASE_URL']}/safeguarding/concerns/{concern.id}"
    assert AuditEvent.get(AuditEvent.event == "safeguarding.leads_emailed").detail == "queued=2"


def test_the_lead_email_carries_no_names_no_category_and_no_content(world, browser, outbox):
    browser.enter_as(world["coach"])
    browser.submit(raise_url(world["case"]), full_concern(world))
    browser.submit(raise_url(world["case"]), full_concern(
        world, about="someone_else", about_other_person=OTHER_PERSON_MARKER, category="child_protection"))
    messages = outbox()
    assert len(messages) == 4
    forbidden = (*MARKERS, world["coach"].name, "Coachname", "domestic", "Domestic", "child", "Child",
                 "She said")
    for message in messages:
        text = every_text_of(message)
        for word in forbidden:
            assert word not in text, (word, message["Subject"])


def test_a_concern_raised_with_the_mail_server_down_is_saved_and_its_emails_wait_for_a_retry(
        world, browser, outbox, caplog):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    world["app"].config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    browser.enter_as(world["coach"])
    with caplog.at_level(logging.INFO):
        response = browser.submit(raise_url(world["case"]), full_concern(world), follow_redirects=True)
    assert response.status_code == 200
    assert "The safeguarding leads are being emailed now." in response.get_data(as_text=True)
    concern = SafeguardingConcern.get()
    assert AuditEvent.get(AuditEvent.event == "safeguarding.leads_emailed").detail == "queued=2"
    # Each lead's email was tried once and waits for its retry (the dashboard flags it after
    # ten minutes: tests/test_outbox.py).
    waiting = OutboxMessage.select().where(OutboxMessage.about_kind == "safeguarding_concern",
                                           OutboxMessage.about_id == concern.id)
    assert sorted((m.recipient, m.state, m.attempts, m.last_error) for m in waiting) == sorted(
        (lead.email, MessageState.WAITING, 1, "ConnectionRefusedError") for lead in world["leads"])
    assert "not delivered: ConnectionRefusedError" in caplog.text
    for marker in MARKERS:
        assert marker not in caplog.text
    assert outbox() == []


def test_with_no_active_lead_the_raiser_is_told_to_tell_a_coordinator(world, browser, outbox):
    for lead in world["leads"]:
        lead.is_safeguarding_lead = False
        lead.save()
    browser.enter_as(world["coach"])
    response = browser.submit(raise_url(world["case"]), full_concern(world), follow_redirects=True)
    assert "no safeguarding lead to email" in response.get_data(as_text=True)
    assert SafeguardingConcern.select().count() == 1
    assert outbox() == []


def test_the_case_timeline_says_a_concern_was_raised_without_what_it_says(world, browser):
    browser.enter_as(world["coach"])
    browser.submit(raise_url(world["case"]), full_concern(world))
    [event] = CaseEvent.select().where(CaseEvent.kind == "safeguarding")
    assert "raised" in event.summary
    assert not any(marker in event.summary for marker in MARKERS)


def test_each_lead_is_told_on_their_notifications_page_and_emailed_whatever_their_choices(world, browser, outbox):
    """The concern's email goes through `notify`: a lead who chose a daily digest, or turned
    every kind off, is still emailed at once, and each lead's Notifications page lists it. Its
    outbox rows stay safeguarding emails about the concern (the undelivered-concern flag)."""
    from portal import notify
    from portal.models import Notification, User
    from portal.vocab import Delivery, MessageKind, NotificationKind
    digest, off = world["leads"]
    User.update(email_digest=True).where(User.id == digest.id).execute()
    User.update(email_off=",".join(notify.kinds_for(off))).where(User.id == off.id).execute()
    assert NotificationKind.CONCERN_RAISED not in notify.kinds_for(off)  # not offered to turn off
    browser.enter_as(world["coach"])
    browser.submit(raise_url(world["case"]), full_concern(world))
    concern = SafeguardingConcern.get()
    assert sorted(m["To"] for m in outbox()) == sorted(lead.email for lead in world["leads"])
    told = sorted((n.recipient_id, n.kind, n.delivery, n.link, n.case_id) for n in Notification.select())
    assert told == sorted((lead.id, NotificationKind.CONCERN_RAISED, Delivery.EMAILED,
                           f"/safeguarding/concerns/{concern.id}", world["case"].id) for lead in world["leads"])
    rows = sorted((r.recipient, r.kind, r.about_kind, r.about_id) for r in OutboxMessage.select())
    assert rows == sorted((lead.email, MessageKind.SAFEGUARDING_CONCERN, "safeguarding_concern", concern.id)
                          for lead in world["leads"])
    page = enter_as(world["app"].test_client(), digest).get("/notifications").get_data(as_text=True)
    assert "A safeguarding concern is raised" in page
    for marker in MARKERS:
        assert marker not in page
