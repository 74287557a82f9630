"""Sharing one party's words with another waits for that party's consent: asked in the portal,
or recorded by a coach from a conversation. Refused or withdrawn consent hides the share. Every
email says only that something is waiting."""

from datetime import date, timedelta

import pytest

from portal import queries
from portal.models import AuditEvent, Note, NoteShare
from portal.vocab import Audience, ShareState
from tests.apps import body_of, links_in
from tests.factories import make_note
from tests.notes_support import HTMX

SECRET = "Alex said the hedge is a memorial to his father."


def share_of(note, party):
    return NoteShare.get(NoteShare.note == note.id, NoteShare.party == party.id)


def write_alex_words_for_bea(w):
    response = w.as_(w.coach).submit(
        f"{w.case_url}/notes/new",
        {"body": SECRET, "audience": Audience.PARTIES, "parties": [str(w.alex.id), str(w.bea.id)],
         "source_party": str(w.alex.id)}, content_type="multipart/form-data")
    assert response.status_code == 303
    return Note.get()


def assert_content_free(message, w):
    text = message["Subject"] + body_of(message)
    for secret in (SECRET, "hedge", w.bea_user.name, w.alex_user.name, w.case.reference):
        assert secret not in text


# --- in the portal --------------------------------------------------------------------------

def test_the_source_party_is_asked_in_the_portal_and_agrees(world, outbox):
    w = world
    note = write_alex_words_for_bea(w)
    bea, alex = w.as_(w.bea_user), w.as_(w.alex_user)
    assert SECRET not in bea.get("/shared").get_data(as_text=True)

    page = alex.get("/shared").get_data(as_text=True)
    request_part = page[page.index("Waiting for your answer"):page.index("Notes and summaries")]
    assert "Can we share this with Bea Lewis?" in request_part and SECRET in request_part
    share = share_of(note, w.bea)
    response = alex.submit(f"/shared/requests/{share.id}/agree", page="/shared")
    assert response.status_code == 303
    share = share_of(note, w.bea)
    assert (share.state, share.consent_method, share.consent_recorded_by_id) == (
        ShareState.GIVEN, "portal", w.alex_user.id)
    assert share.consent_at is not None
    assert SECRET in bea.get("/shared").get_data(as_text=True)

    parties = {w.alex_user.email, w.bea_user.email}
    to_parties = [m for m in outbox() if m["To"] in parties]
    assert {m["To"] for m in to_parties} == parties
    subjects = sorted(m["Subject"] for m in to_parties)
    assert any("question" in s for s in subjects) and any("Something new" in s for s in subjects)
    for message in to_parties:
        assert_content_free(message, w)
        assert links_in(message) == ["http://localhost/shared"]
    # The coaches are told that Alex answered: where, not what, nor who.
    to_coaches = [m for m in outbox() if m["To"] not in parties]
    assert sorted(m["To"] for m in to_coaches) == sorted(c.email for c in queries.current_coaches(w.case))
    for message in to_coaches:
        assert message["Subject"] == f"A party answered about sharing on case {w.case.reference}"
        text = message["Subject"] + body_of(message)
        assert all(secret not in text for secret in (SECRET, "hedge", w.bea_user.name, w.alex_user.name))
        assert links_in(message) == [f"http://localhost/cases/{w.case.reference}"]
    event = AuditEvent.select().where(AuditEvent.event == "note.share_consent").get()
    assert (event.actor_id, event.record_id) == (w.alex_user.id, share.id)
    assert "state=given" in event.detail and SECRET not in event.detail


def test_the_source_party_refuses_and_the_share_stays_hidden(world):
    w = world
    note = write_alex_words_for_bea(w)
    share = share_of(note, w.bea)
    w.as_(w.alex_user).submit(f"/shared/requests/{share.id}/refuse", page="/shared")
    assert share_of(note, w.bea).state == ShareState.REFUSED
    assert SECRET not in w.as_(w.bea_user).get("/shared").get_data(as_text=True)
    assert "Waiting for your answer" not in w.as_(w.alex_user).get("/shared").get_data(as_text=True)
    staff = w.as_(w.coach).get(w.case_url).get_data(as_text=True)
    assert "Alex Morgan did not agree, so Bea Lewis cannot read it" in staff


def test_consent_given_can_be_withdrawn_and_the_share_is_hidden_again(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, body=SECRET,
                     shares={w.bea: ShareState.GIVEN}, source=w.alex)
    share = share_of(note, w.bea)
    alex = w.as_(w.alex_user)
    assert "What you agreed to share" in alex.get("/shared").get_data(as_text=True)
    alex.submit(f"/shared/requests/{share.id}/withdraw", page="/shared")
    assert share_of(note, w.bea).state == ShareState.WITHDRAWN
    assert SECRET not in w.as_(w.bea_user).get("/shared").get_data(as_text=True)


def test_only_the_source_party_answers_and_only_a_fitting_answer(world):
    w = world
    note = write_alex_words_for_bea(w)
    share = share_of(note, w.bea)
    for user in (w.bea_user, ):
        assert w.as_(user).submit(f"/shared/requests/{share.id}/agree", page="/shared").status_code == 404
    for user in (w.coach, w.coordinator):
        assert w.as_(user).submit(f"/shared/requests/{share.id}/agree", page="/").status_code == 403
    alex = w.as_(w.alex_user)
    assert alex.submit(f"/shared/requests/{share.id}/maybe", page="/shared").status_code == 404
    response = alex.submit(f"/shared/requests/{share.id}/withdraw", page="/shared",
                           follow_redirects=True)
    assert "does not fit this request" in response.get_data(as_text=True)
    assert share_of(note, w.bea).state == ShareState.WAITING
    alex_own_share = share_of(note, w.alex)
    assert alex.submit(f"/shared/requests/{alex_own_share.id}/refuse", page="/shared").status_code == 404


def test_a_request_about_a_withdrawn_note_disappears(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, body=SECRET, shares=[w.bea], source=w.alex,
                     withdrawn=True)
    alex = w.as_(w.alex_user)
    assert SECRET not in alex.get("/shared").get_data(as_text=True)
    share = share_of(note, w.bea)
    assert alex.submit(f"/shared/requests/{share.id}/agree", page="/shared").status_code == 404


def test_answering_without_the_form_token_is_refused(world):
    w = world
    note = write_alex_words_for_bea(w)
    share = share_of(note, w.bea)
    from tests.conftest import enter_as
    response = enter_as(w.app.test_client(), w.alex_user).post(f"/shared/requests/{share.id}/agree")
    assert response.status_code == 400
    assert share_of(note, w.bea).state == ShareState.WAITING


# --- recorded by a coach --------------------------------------------------------------------

def consent_url(w, note, party):
    return f"{w.case_url}/notes/{note.id}/shares/{party.id}/consent"


def test_a_coach_records_consent_given_in_person(world, outbox):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, body=SECRET, shares=[w.bea], source=w.alex)
    day = date.today() - timedelta(days=1)
    response = w.as_(w.other_coach).submit(consent_url(w, note, w.bea), {
        "answer": ShareState.GIVEN, "method": "in_person", "day": day.isoformat()}, headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Retarget"] == "#case"
    share = share_of(note, w.bea)
    assert (share.state, share.consent_method, share.consent_recorded_by_id) == (
        ShareState.GIVEN, "in_person", w.other_coach.id)
    assert share.consent_at.date() in (day, day - timedelta(days=1))  # stored in UTC
    assert SECRET in w.as_(w.bea_user).get("/shared").get_data(as_text=True)
    assert [m["To"] for m in outbox()] == [w.bea_user.email]
    assert_content_free(outbox()[0], w)
    page = w.as_(w.coordinator).get(w.case_url).get_data(as_text=True)
    assert "Bea Lewis: can read it (Alex Morgan agreed, in person" in " ".join(page.split())


def test_a_coach_records_a_refusal_by_phone(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, shares=[w.bea], source=w.alex)
    w.as_(w.coach).submit(consent_url(w, note, w.bea), {
        "answer": ShareState.REFUSED, "method": "phone", "day": date.today().isoformat()})
    assert share_of(note, w.bea).state == ShareState.REFUSED


@pytest.mark.parametrize("data, message", [
    ({"method": "phone"}, "Choose what they said."),
    ({"answer": ShareState.WITHDRAWN, "method": "phone"}, "Choose what they said."),
    ({"answer": ShareState.GIVEN}, "Say how they told you."),
    ({"answer": ShareState.GIVEN, "method": "phone", "day": ""}, "Enter the date"),
    ({"answer": ShareState.GIVEN, "method": "phone",
      "day": (date.today() + timedelta(days=1)).isoformat()}, "The date cannot be in the future."),
])
def test_a_coachs_record_needs_what_how_and_when(world, data, message):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, shares=[w.bea], source=w.alex)
    data = {"day": date.today().isoformat(), **data}
    response = w.as_(w.coach).submit(consent_url(w, note, w.bea), data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert share_of(note, w.bea).state == ShareState.WAITING


def test_only_coaches_on_the_case_record_consent_and_only_where_it_is_needed(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, shares=[w.alex, w.bea], source=w.alex)
    fields = {"answer": ShareState.GIVEN, "method": "phone", "day": date.today().isoformat()}
    assert w.as_(w.coordinator).submit(consent_url(w, note, w.bea), fields).status_code == 403
    assert w.as_(w.outsider).submit(consent_url(w, note, w.bea), fields).status_code == 404
    assert w.as_(w.coach).submit(consent_url(w, note, w.alex), fields).status_code == 403
    no_source = make_note(w.case, w.coach, Audience.PARTIES, shares=[w.bea])
    assert w.as_(w.coach).submit(consent_url(w, no_source, w.bea), fields).status_code == 403
    assert share_of(note, w.bea).state == ShareState.WAITING


def test_after_a_refusal_a_coach_may_ask_again(world, outbox):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, shares={w.bea: ShareState.REFUSED},
                     source=w.alex)
    page = w.as_(w.coach).get(w.case_url).get_data(as_text=True)
    assert "Ask Alex Morgan again" in page
    response = w.as_(w.coach).submit(f"{w.case_url}/notes/{note.id}/shares/{w.bea.id}/ask-again",
                                     page=w.case_url)
    assert response.status_code == 303
    assert share_of(note, w.bea).state == ShareState.WAITING
    assert [m["To"] for m in outbox()] == [w.alex_user.email]
    waiting = make_note(w.case, w.coach, Audience.PARTIES, shares=[w.bea], source=w.alex)
    response = w.as_(w.coach).submit(f"{w.case_url}/notes/{waiting.id}/shares/{w.bea.id}/ask-again",
                                     page=w.case_url)
    assert response.status_code == 403


def test_writing_a_shared_note_tells_each_party_without_content(world, outbox):
    w = world
    w.as_(w.coach).submit(f"{w.case_url}/notes/new", {
        "body": SECRET, "audience": Audience.PARTIES, "parties": [str(w.bea.id), str(w.cal.id)]},
        content_type="multipart/form-data")
    messages = outbox()
    assert [m["To"] for m in messages] == [w.bea_user.email]  # Cal has no account
    assert_content_free(messages[0], w)


def test_the_notes_messages_are_on_the_notifications_page_and_honour_do_not_email(world, outbox):
    """A question about sharing and a shared note go through `notify`: each party's
    Notifications page lists them, and a party who must not be emailed gets none."""
    from portal.models import CaseParty, Notification
    from portal.vocab import Delivery, NotificationKind, UnsafeRoute
    w = world
    SERVICE = w.app.config["SERVICE_NAME"]
    CaseParty.update(unsafe_routes=UnsafeRoute.EMAIL).where(CaseParty.id == w.bea.id).execute()
    note = write_alex_words_for_bea(w)
    # Alex's own words are shared with Alex, and Alex is asked about Bea; Bea is not emailed.
    assert sorted((m["To"], " ".join(m["Subject"].split())) for m in outbox()) == [
        (w.alex_user.email, f"A question is waiting for you in the {SERVICE} portal"),
        (w.alex_user.email, f"Something new is waiting for you in the {SERVICE} portal")]
    w.as_(w.alex_user).submit(f"/shared/requests/{share_of(note, w.bea).id}/agree", page="/shared")
    told = [(n.recipient_id, n.kind, n.delivery, n.link)
            for n in Notification.select().where(Notification.party.is_null(False)).order_by(Notification.id)]
    assert told == [(w.alex_user.id, NotificationKind.NOTE_SHARED, Delivery.EMAILED, "/shared"),
                    (w.alex_user.id, NotificationKind.SHARE_QUESTION_ASKED, Delivery.EMAILED, "/shared"),
                    (w.bea_user.id, NotificationKind.NOTE_SHARED, Delivery.MUST_NOT_EMAIL, "/shared")]
    assert w.bea_user.email not in [m["To"] for m in outbox()]
    page = w.as_(w.bea_user).get("/notifications").get_data(as_text=True)
    assert "Something new is shared with you" in page and SECRET not in page
