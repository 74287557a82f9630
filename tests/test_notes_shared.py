"""A party's "Shared with you": what was shared with them (visible shares only), newest first, with
attachments; nothing about another party, not even a hint that it exists."""

from datetime import timedelta

from portal.models import Note, utcnow
from portal.vocab import Audience, ShareState
from tests.factories import add_party, allocate, make_case, make_note, make_note_file, make_session
from tests.notes_support import HTMX


def shared_page(w, user):
    response = w.as_(user).get("/shared")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_party_sees_what_was_shared_with_them_newest_first(world):
    w = world
    older = make_note(w.case, w.coach, Audience.PARTIES, body="Older summary.", shares=[w.alex])
    newer = make_note(w.case, w.coach, Audience.PARTIES, body="Newer summary.", shares=[w.alex])
    Note.update(updated_at=utcnow() - timedelta(days=3)).where(Note.id == older.id).execute()
    page = shared_page(w, w.alex_user)
    assert page.index("Newer summary.") < page.index("Older summary.")
    assert newer.id != older.id


def test_a_party_sees_notes_of_all_their_cases_and_their_files(world):
    w = world
    second = make_case()
    allocate(second, w.coach)
    alex_again = add_party(second, w.alex_user)
    note = make_note(second, w.coach, Audience.PARTIES, body="From the coaching case.",
                     shares=[alex_again])
    Note.update(is_summary=True).where(Note.id == note.id).execute()
    note_file = make_note_file(w.app, note)
    page = shared_page(w, w.alex_user)
    assert "From the coaching case." in page
    link = f"/cases/{second.reference}/notes/{note.id}/files/{note_file.id}"
    assert link in page and "Download the summary" in page
    assert w.as_(w.alex_user).get(link).status_code == 200
    assert "summary.pdf" not in page  # the coach's file name is not shown to parties


def test_nothing_of_another_party_shows_not_even_a_hint(world):
    w = world
    markers = {
        "Marker-private": make_note(w.case, w.coach, Audience.PRIVATE, body="Marker-private"),
        "Marker-team": make_note(w.case, w.coach, Audience.CASE_TEAM, body="Marker-team"),
        "Marker-staff": make_note(w.case, w.coach, Audience.STAFF, body="Marker-staff"),
        "Marker-for-bea": make_note(w.case, w.coach, Audience.PARTIES, body="Marker-for-bea",
                                    shares=[w.bea]),
        "Marker-bea-words-waiting": make_note(w.case, w.coach, Audience.PARTIES,
                                              body="Marker-bea-words-waiting", shares=[w.alex],
                                              source=w.bea),
        "Marker-bea-words-refused": make_note(w.case, w.coach, Audience.PARTIES,
                                              body="Marker-bea-words-refused",
                                              shares={w.alex: ShareState.REFUSED}, source=w.bea),
        "Marker-stale-not-needed": make_note(w.case, w.coach, Audience.PARTIES,
                                             body="Marker-stale-not-needed",
                                             shares={w.alex: ShareState.NOT_NEEDED}, source=w.bea),
        "Marker-withdrawn": make_note(w.case, w.coach, Audience.PARTIES, body="Marker-withdrawn",
                                      shares=[w.alex], withdrawn=True),
    }
    make_session(w.case, parties=[w.bea], kind="pre_mediation")
    page = shared_page(w, w.alex_user)
    for marker in markers:
        assert marker not in page
    for other in (w.bea_user.name, w.bea_user.email, w.cal.name, "waiting for"):
        assert other not in page
    assert "Nothing has been shared with you yet." in page
    assert "Waiting for your answer" not in page


def test_the_page_is_for_parties_only(world):
    w = world
    for user in (w.coach, w.coordinator):
        assert w.as_(user).get("/shared").status_code == 403
    assert w.app.test_client().get("/shared").status_code == 303


def test_the_nav_links_to_it_for_parties(world):
    w = world
    assert 'href="/shared"' in w.as_(w.alex_user).get("/party").get_data(as_text=True)
    assert 'href="/shared"' not in w.as_(w.coach).get("/coach").get_data(as_text=True)


def test_a_source_party_sees_what_would_be_shared_and_with_whom_and_its_file(world):
    w = world
    note = make_note(w.case, w.coach, Audience.PARTIES, body="Words Alex said.", shares=[w.bea],
                     source=w.alex)
    note_file = make_note_file(w.app, note)
    page = shared_page(w, w.alex_user)
    assert "Can we share this with Bea Lewis?" in page and "Words Alex said." in page
    from portal.models import NoteShare
    share = NoteShare.get()
    link = f"/shared/requests/{share.id}/files/{note_file.id}"
    assert link in page
    assert w.as_(w.alex_user).get(link).status_code == 200
    assert w.as_(w.bea_user).get(link).status_code == 404
    # Alex is not a reader of the note itself: it is not shared with them.
    assert w.as_(w.alex_user).get(f"{w.case_url}/notes/{note.id}/files/{note_file.id}").status_code == 404
    # Bea is told nothing of it.
    assert "Words Alex said." not in shared_page(w, w.bea_user)


def test_the_case_page_stays_closed_to_parties(world):
    w = world
    make_note(w.case, w.coach, Audience.PARTIES, body="Shared.", shares=[w.alex])
    assert w.as_(w.alex_user).get(w.case_url).status_code == 403
    assert w.as_(w.alex_user).get(w.case_url, headers=HTMX).status_code == 403


def test_a_request_naming_the_partys_record_on_another_case_is_not_theirs_to_answer(world):
    w = world
    second = make_case()
    alex_elsewhere = add_party(second, w.alex_user)
    make_note(w.case, w.coach, Audience.PARTIES, body="Marker-cross-case-6120", shares=[w.bea],
              source=alex_elsewhere)
    page = shared_page(w, w.alex_user)
    assert "Marker-cross-case-6120" not in page and "Waiting for your answer" not in page
