"""The coach's home (issue 13) with every list on it: axe finds nothing at 1280 and 320 px, and
the page never scrolls sideways at 320."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.support import assert_accessible, assert_no_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}  # WCAG 1.4.10


def give_the_coach_a_full_day():
    """On the demo coach's mediation case: sessions today, this week and later, one held without
    a note, a note waiting for a party's consent to share, an overdue action point with a fresh
    comment, and a request to change an agreement."""
    from portal.db import database
    from portal.models import ActionPoint, AgreementChangeRequest, Case, CaseParty, CoachAllocation, User, utcnow
    from portal.vocab import Audience, CaseKind, ShareState
    from tests.factories import make_agreement, make_note, make_session

    with database.connection_context():
        coach = User.get(User.email == "coach@example.org")
        case = (Case.select().join(CoachAllocation)
                .where(CoachAllocation.coach == coach.id, Case.kind == CaseKind.MEDIATION).get())
        parties = list(CaseParty.select().where(CaseParty.case == case.id).order_by(CaseParty.id))
        now = utcnow().replace(microsecond=0)
        for days, mode, place in ((0, "face_to_face", "Room 2, 14 Long Street"), (2, "online", ""),
                                  (20, "community_venue", "Elm Street Hall and Community Rooms")):
            link = "" if place else "https://meet.example.org/a-long-link"
            make_session(case, parties=parties, coaches=[coach], starts_at=now + timedelta(days=days, minutes=30),
                         mode=mode, location=place, online_link=link)
        make_session(case, parties=parties[:1], coaches=[coach], starts_at=now - timedelta(days=2), status="held")
        make_note(case, coach, Audience.PARTIES, source=parties[0],
                  shares={parties[0]: ShareState.NOT_NEEDED, parties[1]: ShareState.WAITING})
        ActionPoint.create(case=case, party=parties[0], text="Write down the days the noise was worst",
                           due_on=date.today() - timedelta(days=3), party_comment="I have started the list.",
                           party_comment_at=now, created_by=coach)
        agreement = make_agreement(case, coach, state="proposed", title="Quiet evenings")
        AgreementChangeRequest.create(agreement=agreement, party=parties[1], version=1,
                                      comment="Could the quiet hours start at 11pm on Fridays?")


def test_the_coachs_home_passes_axe_and_fits_320px(page):
    give_the_coach_a_full_day()
    sign_in(page, "coach@example.org")
    expect(page.locator("h1")).to_have_text("Your diary and to-do")
    for heading in ("Today", "Notes to write", "Waiting for a party's consent to share",
                    "Action points overdue", "What parties said that you have not seen yet"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size(NARROW)
    page.reload()
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
