"""The coach's home (issue 13): their diary of sessions to come (today, this week, later, in the
service's time zone) and their to-do (notes to write, consent to share waiting, what parties
said that they have not seen yet, action points overdue), on the cases they are on now."""

import re
from datetime import date, datetime, timedelta
from html import unescape

import pytest

from portal import home
from portal.models import ActionPoint, CaseSeen, CoachAllocation, ConsentEvent, NoteShare, utcnow
from portal.vocab import Audience, ConsentState, Role, SessionMode, ShareConsentMethod, ShareState
from tests.factories import allocate, make_action_point_due, make_agreement, make_case, make_note, make_session

# A Wednesday in summer: London is UTC+1, so local midnight is 23:00 UTC the day before.
WEDNESDAY = date(2026, 7, 15)


def text(response):
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def between(page, start, end):
    """The part of the page from the element with id `start` to the one with id `end`."""
    return page[page.index(f'id="{start}"'):page.index(f'id="{end}"')]


@pytest.fixture
def on_wednesday(monkeypatch):
    monkeypatch.setattr(home, "local_today", lambda: WEDNESDAY)


def test_the_diary_splits_today_this_week_and_later_at_local_midnights(w, on_wednesday):
    at = {  # UTC
        "yesterday late": datetime(2026, 7, 14, 22, 30),   # Tue 23:30 London
        "today first": datetime(2026, 7, 14, 23, 0),      # Wed 00:00 London (still Tue in UTC)
        "today last": datetime(2026, 7, 15, 22, 59),      # Wed 23:59 London
        "thursday": datetime(2026, 7, 15, 23, 0),         # Thu 00:00 London
        "sunday night": datetime(2026, 7, 19, 22, 59),    # Sun 23:59 London
        "next monday": datetime(2026, 7, 19, 23, 0),      # Mon 00:00 London
    }
    sessions = {name: make_session(w.case, parties=[w.alex, w.bea], coaches=[w.coach], starts_at=when)
                for name, when in at.items()}
    page = text(w.as_(w.coach).get("/coach"))
    today = between(page, "diary-today", "diary-this_week")
    week = between(page, "diary-this_week", "diary-later")
    later = between(page, "diary-later", "todo")

    def ids(part):
        return {name for name, s in sessions.items() if f'id="diary-session-{s.id}"' in part}

    assert ids(page) == set(at) - {"yesterday late"}
    assert ids(today) == {"today first", "today last"}
    assert ids(week) == {"thursday", "sunday night"}
    assert ids(later) == {"next monday"}
    assert "Wednesday 15 July 2026, 00:00" in today and "Wednesday 15 July 2026, 23:59" in today


def test_on_a_sunday_nothing_more_is_this_week(w, monkeypatch):
    monkeypatch.setattr(home, "local_today", lambda: date(2026, 7, 19))
    monday = make_session(w.case, parties=[w.alex], coaches=[w.coach], starts_at=datetime(2026, 7, 19, 23, 0))
    page = text(w.as_(w.coach).get("/coach"))
    assert "No more sessions this week." in between(page, "diary-this_week", "diary-later")
    assert f'id="diary-session-{monday.id}"' in between(page, "diary-later", "todo")


def test_a_diary_entry_names_the_case_the_parties_and_the_place(w, on_wednesday):
    session = make_session(w.case, parties=[w.alex, w.bea], coaches=[w.coach],
                           starts_at=datetime(2026, 7, 16, 9, 0), mode=SessionMode.COMMUNITY_VENUE,
                           location="Elm Street Hall")
    page = text(w.as_(w.coach).get("/coach"))
    entry = page[page.index(f'id="diary-session-{session.id}"'):]
    entry = entry[:entry.index("</li>")]
    link = f'href="/cases/{w.case.reference}#session-{session.id}">{w.case.reference}</a>'
    assert f"{link}: Alex Morgan, Bea Lewis" in entry
    assert "Thursday 16 July 2026, 10:00: Joint mediation" in entry
    assert "Community venue, Elm Street Hall; 60 minutes" in entry


def test_the_diary_leaves_out_cancelled_sessions_others_sessions_and_cases_the_coach_left(w, on_wednesday):
    when = datetime(2026, 7, 16, 9, 0)
    mine = make_session(w.case, parties=[w.alex], coaches=[w.coach], starts_at=when)
    cancelled = make_session(w.case, parties=[w.alex], coaches=[w.coach], starts_at=when, status="cancelled")
    colleagues = make_session(w.case, parties=[w.alex], coaches=[w.other_coach], starts_at=when)
    page = text(w.as_(w.coach).get("/coach"))
    assert f'id="diary-session-{mine.id}"' in page
    assert f'id="diary-session-{cancelled.id}"' not in page
    assert f'id="diary-session-{colleagues.id}"' not in page
    CoachAllocation.update(ended_at=utcnow()).where(CoachAllocation.coach == w.coach.id).execute()
    assert f'id="diary-session-{mine.id}"' not in text(w.as_(w.coach).get("/coach"))


def test_notes_to_write_for_sessions_held_without_a_note_the_coach_can_read(w, on_wednesday):
    held = make_session(w.case, parties=[w.alex], coaches=[w.coach], starts_at=datetime(2026, 7, 1, 9),
                        status="held")
    noted = make_session(w.case, parties=[w.alex], coaches=[w.coach], starts_at=datetime(2026, 7, 2, 9),
                         status="held")
    note = make_note(w.case, w.coach, Audience.CASE_TEAM)
    note.session = noted
    note.save()
    # A colleague's private note does not count: this coach has still to write theirs.
    private = make_note(w.case, w.other_coach, Audience.PRIVATE, body="Colleague's private words")
    private.session = held
    private.save()
    scheduled = make_session(w.case, parties=[w.alex], coaches=[w.coach], starts_at=datetime(2026, 7, 3, 9))
    page = text(w.as_(w.coach).get("/coach"))
    assert f'id="note-to-write-{held.id}"' in page
    assert f'id="note-to-write-{noted.id}"' not in page
    assert f'id="note-to-write-{scheduled.id}"' not in page
    assert "Colleague's private words" not in page
    # The colleague who wrote the private note has nothing to write: they do not run it either.
    assert 'id="note-to-write-' not in text(w.as_(w.other_coach).get("/coach"))


def test_consent_to_share_waiting_on_a_party_names_them_but_not_the_note(w, on_wednesday):
    note = make_note(w.case, w.coach, Audience.PARTIES, body="Alex said the words",
                     source=w.alex, shares={w.alex: ShareState.NOT_NEEDED, w.bea: ShareState.WAITING})
    share = NoteShare.get(NoteShare.note == note, NoteShare.party == w.bea)
    page = text(w.as_(w.coach).get("/coach"))
    assert f'id="consent-waiting-{share.id}"' in page
    line = page[page.index(f'id="consent-waiting-{share.id}"'):]
    assert "waiting for Alex Morgan since" in line[:line.index("</li>")]
    assert "Alex said the words" not in page
    # Someone else's note waits on the party too: not this coach's request.
    assert 'id="consent-waiting-' not in text(w.as_(w.other_coach).get("/coach"))


def test_action_points_overdue_are_those_due_before_today_and_not_done(w, on_wednesday):
    overdue = make_action_point_due(w.case, w.alex, date(2026, 7, 14), text="Ring the council")
    due_today = make_action_point_due(w.case, w.alex, WEDNESDAY, text="Today's one")
    done = make_action_point_due(w.case, w.bea, date(2026, 7, 1), done_at=utcnow())
    page = text(w.as_(w.coach).get("/coach"))
    assert f'id="overdue-{overdue.id}"' in page and "Ring the council" in page
    assert f'id="overdue-{due_today.id}"' not in page and f'id="overdue-{done.id}"' not in page
    assert 'id="overdue-' not in text(w.as_(w.outsider_coach).get("/coach"))


def test_what_parties_said_stays_unseen_until_the_coach_opens_the_case(w, on_wednesday):
    point = make_action_point_due(w.case, w.alex, date(2026, 8, 1))
    alex = w.as_(w.alex_user)
    assert alex.submit(f"/action-points/{point.id}/comment", {"comment": "Left a message."},
                       page="/action-points").status_code == 303
    assert ActionPoint.get_by_id(point.id).party_comment_at is not None
    agreement = make_agreement(w.case, w.coach, state="proposed", title="Quiet hours")
    asked = alex.submit(f"{w.case_url}/agreements/{agreement.id}/ask-for-a-change",
                        {"comment": "Make it 10pm."})
    assert asked.status_code == 303
    ConsentEvent.create(party=w.bea, state=ConsentState.WITHDRAWN, occurred_on=WEDNESDAY,
                        recorded_by=w.bea_user)
    ConsentEvent.create(party=w.alex, state=ConsentState.GIVEN, occurred_on=WEDNESDAY,
                        recorded_by=w.coordinator)  # recorded by staff: not news from a party
    note = make_note(w.case, w.coach, Audience.PARTIES, source=w.alex,
                     shares={w.alex: ShareState.NOT_NEEDED, w.bea: ShareState.GIVEN})
    NoteShare.update(consent_method=ShareConsentMethod.PORTAL, consent_at=utcnow()).where(
        NoteShare.note == note, NoteShare.party == w.bea).execute()

    page = text(w.as_(w.coach).get("/coach"))
    unseen = between(page, "unseen", "overdue") if 'id="overdue"' in page else page[page.index('id="unseen"'):]
    assert "Alex Morgan commented on an action point" in unseen and "Left a message." in unseen
    assert "Alex Morgan asked to change Quiet hours (version 1)" in unseen and "Make it 10pm." in unseen
    assert "Bea Lewis withdrew from taking part" in unseen
    assert "Alex Morgan agreed to take part" not in unseen
    assert "Alex Morgan agreed to share your note" in unseen
    assert unseen.count('<li class="card"') == 4

    # Opening the case page is seeing it all; what comes after is news again.
    w.as_(w.coach).get(w.case_url)
    assert CaseSeen.select().where(CaseSeen.coach == w.coach.id).count() == 1
    assert 'id="unseen"' not in text(w.as_(w.coach).get("/coach"))
    # Still news for the colleague who has not opened it.
    assert "Alex Morgan commented on an action point" in text(w.as_(w.other_coach).get("/coach"))
    assert alex.submit(f"/action-points/{point.id}/comment", {"comment": "Sorted now."},
                       page="/action-points").status_code == 303
    page = text(w.as_(w.coach).get("/coach"))
    assert "Sorted now." in page and "Make it 10pm." not in page
    # A coordinator opening the case page moves nothing on.
    w.as_(w.coordinator).get(w.case_url)
    assert CaseSeen.select().count() == 1


def test_a_coach_taken_off_a_case_no_longer_sees_its_items(w, on_wednesday):
    make_action_point_due(w.case, w.alex, date(2026, 7, 1), text="Overdue thing",
                          party_comment="A comment", party_comment_at=utcnow())
    make_session(w.case, parties=[w.alex], coaches=[w.coach], starts_at=datetime(2026, 7, 1, 9), status="held")
    page = text(w.as_(w.coach).get("/coach"))
    assert 'id="overdue-' in page and 'id="unseen-comment-' in page and 'id="note-to-write-' in page
    CoachAllocation.update(ended_at=utcnow()).where(CoachAllocation.coach == w.coach.id).execute()
    page = text(w.as_(w.coach).get("/coach"))
    assert 'id="overdue-' not in page and 'id="unseen-comment-' not in page
    assert 'id="note-to-write-' not in page and "Nothing is waiting for you." in page


def test_each_list_shows_a_bounded_number_and_says_how_many_more(w, on_wednesday, monkeypatch):
    monkeypatch.setattr(home, "TODO_SHOWN", 2)
    for n in range(3):
        make_action_point_due(w.case, w.alex, date(2026, 7, 1) + timedelta(days=n))
    page = text(w.as_(w.coach).get("/coach"))
    assert len(re.findall(r'id="overdue-\d+"', page)) == 2
    assert "And 1 more overdue: open the case pages." in page


def test_only_coaches_have_a_coachs_home(w):
    assert w.as_(w.coordinator).get("/coach").status_code == 403
    assert w.as_(w.alex_user).get("/coach").status_code == 403


def test_the_home_is_the_same_for_a_coach_with_nothing_to_do(app, make_browser):
    from tests.factories import make_user
    coach = make_user(Role.COACH)
    page = text(make_browser(coach).get("/coach"))
    assert "No sessions today." in page and "Nothing is waiting for you." in page
    assert "You are not allocated to any cases yet." in page


def test_the_table_of_cases_is_paged_and_a_page_past_the_end_is_the_last(w, monkeypatch):
    monkeypatch.setattr(home, "COACH_CASES_PER_PAGE", 2)
    newer = [make_case() for _ in range(2)]
    for case in newer:
        allocate(case, w.coach)
    ended = make_case()
    allocate(ended, w.coach, ended=True)

    def shown(url):
        part = text(w.as_(w.coach).get(url))
        part = part[part.index('id="your-cases"'):]
        return re.findall(r'<th scope="row"><a href="/cases/([^"]+)"', part)
    # Newest first, two at a time: the coach's three cases now, never the one they left.
    assert shown("/coach") == [newer[1].reference, newer[0].reference]
    assert shown("/coach?page=2") == [w.case.reference]
    assert shown("/coach?page=9") == [w.case.reference]
    assert shown("/coach?page=junk") == [newer[1].reference, newer[0].reference]
