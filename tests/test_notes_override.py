"""The safeguarding override: a safeguarding lead opens a closed note only while a concern is
unresolved on the case, only with a reason; the read is kept and the author is told."""

import pytest

from portal.models import AuditEvent, NoteOverrideRead, Notification
from portal.vocab import Audience, ConcernState, NotificationKind
from tests.apps import body_of, links_in
from tests.factories import make_concern, make_note
from tests.notes_support import note_url

SECRET = "Marker-override-8842: the coach's private worry."


@pytest.fixture
def closed_note(world):
    return make_note(world.case, world.coach, Audience.PRIVATE, body=SECRET)


def open_it(w, note, reason="Child protection concern raised today; need the context.", user=None):
    return w.as_(user or w.lead).submit(note_url(w, note, "override"), {"reason": reason})


def test_without_an_unresolved_concern_the_option_does_not_exist(world, closed_note):
    w = world
    make_concern(w.case, w.coach, state=ConcernState.CLOSED)
    page = w.as_(w.lead).get(w.case_url).get_data(as_text=True)
    assert "safeguarding override" not in page
    assert w.as_(w.lead).get(note_url(w, closed_note, "override")).status_code == 404
    # A complete, valid request (CSRF token and a reason): refused because no concern is
    # unresolved, not because of the form. The note is not found, as for any closed note.
    response = w.as_(w.lead).submit(note_url(w, closed_note, "override"),
                                    {"reason": "Child protection concern raised today."},
                                    page=w.case_url)
    assert response.status_code == 404
    assert SECRET not in response.get_data(as_text=True)
    assert NoteOverrideRead.select().count() == 0


def test_with_a_concern_the_lead_is_offered_the_closed_notes_without_their_text(world, closed_note):
    w = world
    make_concern(w.case, w.coach, state=ConcernState.ACKNOWLEDGED)
    page = w.as_(w.lead).get(w.case_url).get_data(as_text=True)
    assert "Open under the safeguarding override" in page
    assert f"Note by {w.coach.name}, " in page
    assert note_url(w, closed_note, "override") in page
    assert SECRET not in page
    form = w.as_(w.lead).get(note_url(w, closed_note, "override")).get_data(as_text=True)
    assert "Why do you need to open this note?" in form and SECRET not in form


# Staff on the case are not offered a note they cannot read (404: it is not found for them);
# a coach elsewhere cannot see the case at all (404); a party sees the case, but its staff
# pages are not theirs (403), which says nothing about the note.
@pytest.mark.parametrize(("user", "status"), [("coordinator", 404), ("other_coach", 404),
                                              ("outsider", 404), ("alex_user", 403)])
def test_only_a_safeguarding_lead_has_the_override(world, closed_note, user, status):
    w = world
    make_concern(w.case, w.coach)
    who = getattr(w, user)
    assert w.as_(who).get(note_url(w, closed_note, "override")).status_code == status
    # The same with a complete, valid request: a reason and the CSRF token.
    response = w.as_(who).submit(note_url(w, closed_note, "override"),
                                 {"reason": "Child protection concern raised today."}, page="/")
    assert response.status_code == status
    assert SECRET not in response.get_data(as_text=True)
    if user != "alex_user":
        page = w.as_(who).get(w.case_url).get_data(as_text=True)
        assert "safeguarding override" not in page
    assert NoteOverrideRead.select().count() == 0


def test_a_note_the_lead_can_read_anyway_is_not_an_override(world):
    w = world
    make_concern(w.case, w.coach)
    staff_note = make_note(w.case, w.coach, Audience.STAFF)
    assert w.as_(w.lead).get(note_url(w, staff_note, "override")).status_code == 404


@pytest.mark.parametrize("reason, message", [
    ("", "Write why you need to open this note."),
    ("because", "at least 10"),
])
def test_a_reason_is_required(world, closed_note, reason, message):
    w = world
    make_concern(w.case, w.coach)
    response = open_it(w, closed_note, reason=reason)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and SECRET not in page
    assert NoteOverrideRead.select().count() == 0
    assert AuditEvent.select().where(AuditEvent.event == "note.override_read").count() == 0


def test_with_a_reason_the_note_opens_the_read_is_kept_and_the_author_told(world, closed_note, outbox):
    w = world
    make_concern(w.case, w.coach)
    reason = "Child protection concern raised today; need the context."
    response = open_it(w, closed_note, reason=reason)
    assert response.status_code == 200
    assert SECRET.split(":")[0] in response.get_data(as_text=True)
    assert "no-store" in response.headers["Cache-Control"]

    read = NoteOverrideRead.get()
    assert (read.note_id, read.reader_id, read.reason) == (closed_note.id, w.lead.id, reason)
    event = AuditEvent.get(AuditEvent.event == "note.override_read")
    assert (event.actor_id, event.record_type, event.record_id, event.case_id) == (
        w.lead.id, "Note", closed_note.id, w.case.id)
    assert reason in event.detail and "Marker-override" not in event.detail

    [message] = outbox()
    assert message["To"] == w.coach.email
    text = message["Subject"] + body_of(message)
    assert "Marker-override" not in text and reason not in text
    assert links_in(message) == [f"http://localhost{w.case_url}#note-{closed_note.id}"]
    [told] = Notification.select().where(Notification.recipient == w.coach.id)
    assert (told.kind, told.link, told.case_id) == (NotificationKind.NOTE_OVERRIDE_READ,
                                                    f"{w.case_url}#note-{closed_note.id}", w.case.id)

    # The author sees on the note that it was opened, and by whom.
    page = w.as_(w.coach).get(w.case_url).get_data(as_text=True)
    assert f"Opened under the safeguarding override by {w.lead.name}" in page
    # Every read needs its own reason: the case page still does not show the text.
    assert SECRET not in w.as_(w.lead).get(w.case_url).get_data(as_text=True)


def test_an_opened_note_is_no_longer_deletable(world, closed_note):
    w = world
    make_concern(w.case, w.coach)
    open_it(w, closed_note)
    assert w.as_(w.coach).submit(note_url(w, closed_note, "delete")).status_code == 403


def test_an_author_no_longer_on_the_case_is_told_without_the_concern_or_the_case(world, closed_note,
                                                                                outbox):
    """They may not see the case or its concerns any more: the email says a note was opened
    under the procedure, and nothing about which case or that a concern is open; it links to
    their Notifications page, where it is too, not to the case."""
    from portal.models import CoachAllocation
    w = world
    make_concern(w.case, w.other_coach)
    CoachAllocation.update(ended_at=closed_note.created_at).where(
        CoachAllocation.coach == w.coach.id).execute()
    assert open_it(w, closed_note).status_code == 200
    [message] = outbox()
    assert message["To"] == w.coach.email
    text = message["Subject"] + body_of(message)
    assert "opened a note you wrote" in text
    assert "concern" not in text.lower() and w.case.reference not in text
    assert links_in(message) == ["http://localhost/notifications"]
    [told] = Notification.select().where(Notification.recipient == w.coach.id)
    assert (told.kind, told.link, told.case_id) == (NotificationKind.NOTE_OVERRIDE_READ, "/notifications", None)
