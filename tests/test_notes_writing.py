"""A coach writes, changes, deletes and withdraws notes on the case page; who can read each one
is said in words before it is saved."""

import re
from datetime import datetime
from html import unescape

import pytest

from portal import policy
from portal.models import AuditEvent, Note, NoteRevision, NoteShare
from portal.vocab import Audience, ShareState
from tests.factories import make_case, make_note, make_session
from tests.notes_support import HTMX, PDF, note_url, post_multipart, upload


def write(w, by=None, **data):
    fields = {"body": "We talked about the hedge.", "audience": Audience.PRIVATE, **data}
    return w.as_(by or w.coach).submit(f"{w.case_url}/notes/new", fields,
                                       content_type="multipart/form-data")


def audit_events(name):
    return list(AuditEvent.select().where(AuditEvent.event == name).order_by(AuditEvent.id))


# --- writing --------------------------------------------------------------------------------

def test_a_coach_writes_a_private_note_and_only_they_read_it(world):
    w = world
    response = write(w, body="Marker-private-7731 for me alone.")
    assert response.status_code == 303
    note = Note.get()
    assert (note.audience, note.author_id, note.case_id) == (Audience.PRIVATE, w.coach.id, w.case.id)
    assert "Marker-private-7731" in w.as_(w.coach).get(w.case_url).get_data(as_text=True)
    for reader in (w.other_coach, w.coordinator, w.lead):
        assert "Marker-private-7731" not in w.as_(reader).get(w.case_url).get_data(as_text=True)
    assert [e.record_id for e in audit_events("note.written")] == [note.id]
    assert "Marker-private-7731" not in "".join(e.detail for e in AuditEvent.select())


def test_a_note_shared_with_named_parties_gets_a_share_each(world):
    w = world
    write(w, audience=Audience.PARTIES, parties=[str(w.alex.id), str(w.cal.id)])
    note = Note.get()
    shares = {s.party_id: s.state for s in NoteShare.select()}
    assert shares == {w.alex.id: ShareState.NOT_NEEDED, w.cal.id: ShareState.NOT_NEEDED}
    assert len(audit_events("note.shared")) == 2
    assert note.source_party_id is None


def test_sharing_another_partys_words_waits_for_their_consent(world):
    w = world
    write(w, audience=Audience.PARTIES, parties=[str(w.alex.id), str(w.bea.id)],
          source_party=str(w.alex.id))
    shares = {s.party_id: s.state for s in NoteShare.select()}
    assert shares == {w.alex.id: ShareState.NOT_NEEDED, w.bea.id: ShareState.WAITING}


def test_the_sessions_to_choose_from_are_named_by_the_services_day(world):
    w = world
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
    make_session(w.case, parties=[w.alex], starts_at=datetime(2026, 6, 30, 23, 30))
    page = w.as_(w.coach).get(f"{w.case_url}/notes/new").get_data(as_text=True)
    assert "1 July 2026" in page
    assert "30 June 2026" not in page


def test_a_note_can_be_about_a_session_and_marked_as_a_summary(world):
    w = world
    session = make_session(w.case, parties=[w.alex])
    write(w, session=str(session.id), is_summary="y")
    note = Note.get()
    assert (note.session_id, note.is_summary) == (session.id, True)


def test_a_summary_of_one_partys_session_shared_with_another_party_waits_for_their_consent(world):
    w = world
    session = make_session(w.case, parties=[w.alex])
    write(w, session=str(session.id), is_summary="y", audience=Audience.PARTIES,
          parties=[str(w.alex.id), str(w.bea.id)])
    note = Note.get()
    assert note.source_party_id == w.alex.id
    shares = {s.party_id: s.state for s in NoteShare.select()}
    assert shares == {w.alex.id: ShareState.NOT_NEEDED, w.bea.id: ShareState.WAITING}


@pytest.mark.parametrize("kind, chosen", [
    ("not a summary", {}),                                   # a note about it, not its summary
    ("shared with that party only", {"only_alex": True}),
    ("another source chosen", {"source": "bea"}),
    ("a joint session", {"joint": True}),
])
def test_the_session_default_applies_only_to_a_summary_shared_beyond_its_one_party(world, kind, chosen):
    w = world
    session = make_session(w.case, parties=[w.alex, w.bea] if chosen.get("joint") else [w.alex])
    parties = [str(w.alex.id)] if chosen.get("only_alex") else [str(w.alex.id), str(w.bea.id)]
    data = {"session": str(session.id), "audience": Audience.PARTIES, "parties": parties}
    if kind != "not a summary":
        data["is_summary"] = "y"
    if chosen.get("source"):
        data["source_party"] = str(w.bea.id)
    write(w, **data)
    expected = w.bea.id if chosen.get("source") else None
    assert Note.get().source_party_id == expected, kind


def test_checking_who_can_read_a_summary_shows_the_session_party_chosen(world):
    w = world
    session = make_session(w.case, parties=[w.alex])
    response = write(w, session=str(session.id), is_summary="y", audience=Audience.PARTIES,
                     parties=[str(w.alex.id), str(w.bea.id)], check="Check who can read it")
    html = unescape(response.get_data(as_text=True))
    source = re.search(r'<select[^>]*name="source_party".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option selected value="(\d*)">', source) == [str(w.alex.id)]
    assert Note.select().count() == 0


@pytest.mark.parametrize("data, message", [
    ({"body": "   "}, "Write the note, or add a file."),
    ({"audience": ""}, "Choose who can read the note."),
    ({"audience": "everyone"}, "Not a valid choice"),
    ({"audience": Audience.PARTIES}, "Choose at least one party to share it with."),
    ({"audience": Audience.PARTIES, "parties": ["999999"]}, "Choose parties on this case."),
    ({"source_party": "999999"}, "Choose a party on this case, or nobody in particular."),
    ({"session": "999999"}, "Choose a session of this case."),
    ({"body": "x" * 20_001}, "Keep the note under 20,000 characters."),
])
def test_bad_input_gets_a_message_and_saves_nothing(world, data, message):
    response = write(world, **data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Note.select().count() == 0 and NoteShare.select().count() == 0


def test_only_allocated_coaches_write_notes_and_only_on_open_cases(world):
    w = world
    assert write(w, by=w.coordinator).status_code == 403
    assert write(w, by=w.outsider).status_code == 404
    assert w.as_(w.alex_user).get(f"{w.case_url}/notes/new").status_code == 403
    w.case.status = "closed"
    w.case.save()
    assert write(w).status_code == 403
    assert Note.select().count() == 0


def test_the_write_link_is_offered_only_to_those_who_may_write(world):
    w = world
    assert "Write a note" in w.as_(w.coach).get(w.case_url).get_data(as_text=True)
    assert "Write a note" not in w.as_(w.coordinator).get(w.case_url).get_data(as_text=True)


# --- who can read it, in words --------------------------------------------------------------

def readers_text(response):
    html = response.get_data(as_text=True)
    start = html.index("Who will be able to read it")
    return unescape(" ".join(html[start:html.index("</ul>", start)].split()))


@pytest.mark.parametrize("audience, says, does_not_say", [
    (Audience.PRIVATE, ["Only you can read it.", "Alex Morgan, Bea Lewis and Cal Without Account cannot read it."],
     ["Tom Colleague", "coordinators can"]),
    (Audience.CASE_TEAM, ["the other coaches on this case (Tom Colleague)", "Coordinators cannot read it."],
     ["the service's coordinators"]),
    (Audience.STAFF, ["Tom Colleague", "the service's coordinators can read it"], ["Coordinators cannot"]),
])
def test_the_form_says_who_can_read_it_without_javascript(world, audience, says, does_not_say):
    w = world
    response = write(w, audience=audience, check="y")
    assert response.status_code == 200
    words = readers_text(response)
    for phrase in says:
        assert phrase in words
    for phrase in does_not_say:
        assert phrase not in words
    assert Note.select().count() == 0


def test_the_words_name_who_must_agree_before_another_party_reads_it(world):
    w = world
    response = write(w, audience=Audience.PARTIES, parties=[str(w.alex.id), str(w.bea.id)],
                     source_party=str(w.alex.id), check="y")
    words = readers_text(response)
    assert "Alex Morgan can read it in the portal." in words
    assert "Bea Lewis can read it only once Alex Morgan agrees" in words
    assert "Cal Without Account cannot read it." in words
    assert Note.select().count() == 0


def test_the_words_follow_the_choice_through_htmx(world):
    w = world
    coach = w.as_(w.coach)
    response = coach.get(f"{w.case_url}/notes/readers?audience=parties&parties={w.cal.id}",
                         headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert "Cal Without Account can read it in the portal (they have no portal account yet" in html
    assert "Alex Morgan and Bea Lewis cannot read it." in html
    assert w.as_(w.coordinator).get(f"{w.case_url}/notes/readers?audience=staff").status_code == 403
    assert w.as_(w.outsider).get(f"{w.case_url}/notes/readers?audience=staff").status_code == 404


# --- changing -------------------------------------------------------------------------------

def edit(w, note, by=None, **data):
    fields = {"body": note.body, "audience": note.audience, **data}
    return w.as_(by or w.coach).submit(note_url(w, note, "edit"), fields,
                                       content_type="multipart/form-data")


def test_the_author_changes_an_unshared_note_in_place(world):
    w = world
    note = make_note(w.case, w.coach, Audience.CASE_TEAM, body="First words.")
    response = edit(w, note, body="Better words.", audience=Audience.STAFF)
    assert response.status_code == 303
    note = Note.get_by_id(note.id)
    assert (note.body, note.audience) == ("Better words.", Audience.STAFF)
    assert NoteRevision.select().count() == 0
    assert audit_events("note.edited")[0].detail == "audience=staff source_party=None was=None in_place"


def test_a_note_waiting_for_consent_is_not_yet_shared_and_changes_in_place(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, shares=[w.bea], source=w.alex)
    edit(w, note, body="Reworded before Alex answered.", parties=[str(w.bea.id)],
         source_party=str(w.alex.id))
    assert NoteRevision.select().count() == 0
    assert NoteShare.get().state == ShareState.WAITING


def test_after_sharing_a_change_is_a_new_version_and_the_party_sees_the_latest(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, body="Version one.", shares=[w.alex])
    response = edit(w, note, body="Version two.")
    assert response.status_code == 303
    revisions = [r.body for r in NoteRevision.select().order_by(NoteRevision.id)]
    assert revisions == ["Version one.", "Version two."]
    edit(w, Note.get_by_id(note.id), body="Version three.")
    assert NoteRevision.select().count() == 3
    shared = w.as_(w.alex_user).get("/shared").get_data(as_text=True)
    assert "Version three." in shared and "Version one." not in shared
    history = w.as_(w.other_coach).get(note_url(w, note, "history")).get_data(as_text=True)
    assert all(v in history for v in ("Version one.", "Version two.", "Version three."))
    assert w.as_(w.alex_user).get(note_url(w, note, "history")).status_code == 403
    assert "3 versions" in w.as_(w.coordinator).get(w.case_url).get_data(as_text=True)


def test_after_sharing_the_audience_and_source_stay_and_parties_can_only_be_added(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, shares=[w.alex])
    edit(w, note, audience=Audience.PRIVATE, parties=[str(w.cal.id)], source_party=str(w.bea.id))
    note = Note.get_by_id(note.id)
    assert (note.audience, note.source_party_id) == (Audience.PARTIES, None)
    assert {s.party_id: s.state for s in NoteShare.select()} == {
        w.alex.id: ShareState.NOT_NEEDED, w.cal.id: ShareState.NOT_NEEDED}


def test_changing_a_shared_record_of_one_partys_words_asks_them_again(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, body="What Alex said.",
                     shares={w.alex: ShareState.NOT_NEEDED, w.bea: ShareState.GIVEN},
                     source=w.alex)
    assert "What Alex said." in w.as_(w.bea_user).get("/shared").get_data(as_text=True)
    edit(w, note, body="What Alex said, and more.")
    assert NoteShare.get(NoteShare.party == w.bea).state == ShareState.WAITING
    assert "What Alex said" not in w.as_(w.bea_user).get("/shared").get_data(as_text=True)
    assert "What Alex said, and more." in w.as_(w.alex_user).get("/shared").get_data(as_text=True)


def test_only_the_author_changes_a_note(world):
    w = world
    note = make_note(w.case, w.coach, Audience.STAFF)
    assert edit(w, note, by=w.other_coach, body="Not mine.").status_code == 403
    assert edit(w, note, by=w.coordinator, body="Not mine.").status_code == 403
    assert Note.get_by_id(note.id).body == "A note."
    private = make_note(w.case, w.coach, Audience.PRIVATE)
    assert w.as_(w.other_coach).get(note_url(w, private, "edit")).status_code == 404


def test_the_edit_form_answers_htmx_in_place(world):
    w = world
    note = make_note(w.case, w.coach, Audience.STAFF)
    response = w.as_(w.coach).get(note_url(w, note, "edit"), headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith(f'<div id="edit-note-{note.id}-form"')


# --- deleting and withdrawing ---------------------------------------------------------------

def test_the_author_deletes_a_note_no_party_has_seen(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, shares=[w.bea], source=w.alex)
    page = w.as_(w.coach).get(w.case_url).get_data(as_text=True)
    assert "Delete<span" in page and "Withdraw<span" not in page
    response = w.as_(w.coach).submit(note_url(w, note, "delete"), headers=HTMX)
    assert response.status_code == 200 and response.headers["HX-Retarget"] == "#case"
    assert Note.select().count() == 0 and NoteShare.select().count() == 0
    assert [e.record_id for e in audit_events("note.deleted")] == [note.id]


def test_a_shared_note_is_withdrawn_not_deleted(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, body="Marker-withdraw-5521", shares=[w.alex])
    assert w.as_(w.coach).submit(note_url(w, note, "delete")).status_code == 403
    page = w.as_(w.coach).get(w.case_url).get_data(as_text=True)
    assert "Withdraw<span" in page and "Delete<span" not in page
    assert w.as_(w.coach).submit(note_url(w, note, "withdraw")).status_code == 303
    assert Note.get_by_id(note.id).withdrawn_at is not None
    assert [e.record_id for e in audit_events("note.withdrawn")] == [note.id]
    assert "Marker-withdraw-5521" not in w.as_(w.alex_user).get("/shared").get_data(as_text=True)
    staff_page = w.as_(w.coordinator).get(w.case_url).get_data(as_text=True)
    assert "Marker-withdraw-5521" in staff_page and "Withdrawn on" in staff_page
    assert edit(w, Note.get_by_id(note.id), body="Too late.").status_code == 403


def test_a_note_whose_consent_was_withdrawn_still_counts_as_shared(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, shares={w.bea: ShareState.WITHDRAWN},
                     source=w.alex)
    assert w.as_(w.coach).submit(note_url(w, note, "delete")).status_code == 403
    assert w.as_(w.coach).submit(note_url(w, note, "withdraw")).status_code == 303


def test_others_cannot_delete_or_withdraw(world):
    w = world
    unshared = make_note(w.case, w.coach, Audience.STAFF)
    shared = make_note(w.case, w.coach, Audience.PARTIES, shares=[w.alex])
    for user in (w.other_coach, w.coordinator):
        assert w.as_(user).submit(note_url(w, unshared, "delete")).status_code == 403
        assert w.as_(user).submit(note_url(w, shared, "withdraw")).status_code == 403
    assert Note.select().where(Note.withdrawn_at.is_null()).count() == 2


def test_adding_a_file_to_a_shared_record_of_one_partys_words_asks_them_again(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, body="What Alex said.",
                     shares={w.bea: ShareState.GIVEN, w.cal: ShareState.REFUSED}, source=w.alex)
    response = post_multipart(w, w.coach, note_url(w, note, "edit"),
                              {"body": "What Alex said.", "file": upload(PDF, "a.pdf")})
    assert response.status_code == 303
    states = {s.party_id: s.state for s in NoteShare.select()}
    # The given consent is asked again; a refusal stays a refusal (asking again is a choice).
    assert states == {w.bea.id: ShareState.WAITING, w.cal.id: ShareState.REFUSED}
    assert NoteRevision.select().count() == 0  # the text did not change


def test_a_note_with_a_session_of_another_case_or_the_readers_of_another_note_is_refused(world):
    w = world
    other_case = make_case()
    other_session = make_session(other_case)
    assert write(w, session=str(other_session.id)).status_code == 422
    private = make_note(w.case, w.other_coach, Audience.PRIVATE)
    readers = w.as_(w.coach).get(f"{w.case_url}/notes/readers?note={private.id}&audience=staff")
    assert readers.status_code == 404


# --- whose words, once asked ----------------------------------------------------------------

@pytest.mark.parametrize("state", [ShareState.WAITING, ShareState.REFUSED,
                                   ShareState.WITHDRAWN])
@pytest.mark.parametrize("new_source", ["", "bea"])
def test_whose_words_cannot_change_once_the_source_party_was_asked(world, state, new_source):
    """Clearing or changing the source party would have made Alex's refused (or unanswered)
    words a share that needs no consent, shown to Bea at once."""
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, body="Marker-alex-words-5521.",
                     shares={w.bea: state}, source=w.alex)
    source = str(w.bea.id) if new_source == "bea" else ""
    response = edit(w, note, body="Marker-alex-words-5521.", parties=[str(w.bea.id)],
                    source_party=source)
    if state == ShareState.WITHDRAWN:
        # Bea may have read it: the note is locked, and a posted source party is ignored.
        assert response.status_code == 303
    else:
        assert response.status_code == 422
        assert "cannot change" in unescape(response.get_data(as_text=True))
    assert Note.get_by_id(note.id).source_party_id == w.alex.id
    assert [s.state for s in NoteShare.select()] == [state]
    assert "Marker-alex-words-5521" not in w.as_(w.bea_user).get("/shared").get_data(as_text=True)


def test_whose_words_may_change_before_anyone_was_asked(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, shares={w.alex: ShareState.NOT_NEEDED},
                     source=w.alex)
    note_as_staff = make_note(w.case, w.coach, Audience.STAFF, source=w.alex)
    for n in (note, note_as_staff):
        assert policy.source_party_is_fixed(n.facts()) is False
    response = edit(w, note_as_staff, body="About Bea after all.", audience=Audience.STAFF,
                    source_party=str(w.bea.id))
    assert response.status_code == 303
    assert Note.get_by_id(note_as_staff.id).source_party_id == w.bea.id


def test_a_party_answering_meanwhile_stops_a_delete(world, monkeypatch):
    """The delete was allowed when the page was checked; Alex agreed before it was written."""
    from portal.notes import service
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, shares={w.bea: ShareState.WAITING},
                     source=w.alex)
    original = service.delete

    def answered_first(n, by, **kwargs):
        NoteShare.update(state=ShareState.GIVEN).where(NoteShare.note == n.id).execute()
        return original(n, by, **kwargs)
    monkeypatch.setattr(service, "delete", answered_first)
    response = w.as_(w.coach).submit(note_url(w, note, "delete"), {})
    assert response.status_code == 303
    assert Note.get_or_none(Note.id == note.id) is not None
    assert audit_events("note.deleted") == []
