"""A case's life after it closes: a final agreement's review (recorded once, by a coach on the
case or a coordinator, also on a closed case, with a note that has an audience like any note),
future sessions on closing, the party's view of the end, and post-mediation coaching as an
offer the party answers."""

from datetime import timedelta
from html import unescape

from portal import times
from portal.models import Agreement, AuditEvent, Case, CaseEvent, Note, NoteShare
from portal.vocab import AgreementState, Audience, CaseStatus, ReviewOutcome, ShareState
from tests.apps import body_of
from tests.factories import make_agreement

HTMX = {"HX-Request": "true"}


def local_today(w):
    with w.app.app_context():
        return times.local_today()


def final_agreement(w, *, review_in_days=-1):
    review_on = local_today(w) + timedelta(days=review_in_days)
    return make_agreement(w.case, w.coach, state=AgreementState.FINAL, review_on=review_on,
                          title="Noise")


def close(w):
    Case.update(status=CaseStatus.CLOSED).where(Case.id == w.case.id).execute()


def review_url(w, agreement):
    return f"{w.case_url}/agreements/{agreement.id}/review"


def closing_emails(outbox):
    """The emails saying a case ended (closing also asks each party for feedback, apart)."""
    return [m for m in outbox() if not m["Subject"].startswith("How did it go")]


def text(response):
    return unescape(response.get_data(as_text=True))


# --- the review of a final agreement --------------------------------------------------------

def test_a_closed_cases_review_stays_on_the_staff_home_pages_until_recorded(w):
    agreement = final_agreement(w)
    close(w)
    words = agreement.review_on.strftime("%-d %B %Y")
    for user, home in ((w.coordinator, "/coordinator"), (w.coach, "/coach")):
        page = text(w.as_(user).get(home))
        assert "Agreement reviews" in page and words in page and "(case closed)" in page, user.name
    assert "Agreement reviews" not in text(w.as_(w.outsider_coach).get("/coach"))

    page = text(w.as_(w.coach).get(f"{w.case_url}/agreements/{agreement.id}"))
    assert "Record the review" in page and "its terms run on until the review" in page
    response = w.as_(w.coach).submit(review_url(w, agreement), {
        "reviewed_on": local_today(w).isoformat(), "outcome": ReviewOutcome.PARTLY_KEPT,
        "body": "Music mostly kept low.", "audience": Audience.PARTIES,
        "parties": [str(w.alex.id), str(w.bea.id)]})
    assert response.status_code == 303
    row = Agreement.get_by_id(agreement.id)
    assert (row.reviewed_on, row.review_outcome, row.reviewed_by_id) == \
        (local_today(w), ReviewOutcome.PARTLY_KEPT, w.coach.id)
    note = Note.get_by_id(row.review_note_id)
    assert (note.audience, note.body, note.author_id) == (Audience.PARTIES, "Music mostly kept low.", w.coach.id)
    assert {(s.party_id, s.state) for s in NoteShare.select().where(NoteShare.note == note)} == \
        {(w.alex.id, ShareState.NOT_NEEDED), (w.bea.id, ShareState.NOT_NEEDED)}
    assert AuditEvent.select().where(AuditEvent.event == "agreement.reviewed").count() == 1
    summaries = [e.summary for e in CaseEvent.select().where(CaseEvent.case == w.case)]
    assert any("reviewed on" in s and "partly kept" in s for s in summaries)
    # Off the lists, and shown as recorded.
    for user, home in ((w.coordinator, "/coordinator"), (w.coach, "/coach")):
        assert "Agreement reviews" not in text(w.as_(user).get(home)), user.name
    page = text(w.as_(w.coordinator).get(f"{w.case_url}/agreements/{agreement.id}"))
    assert "Partly kept" in page and "Record the review" not in page
    # Once only.
    again = w.as_(w.coordinator).get(review_url(w, agreement))
    assert again.status_code == 403
    # The parties read the shared note; the closed case stays otherwise read-only.
    assert "Music mostly kept low." in text(w.as_(w.alex_user).get("/shared"))


def test_a_coordinator_records_a_review_with_a_staff_note_parties_never_read(w):
    agreement = final_agreement(w)
    response = w.as_(w.coordinator).submit(review_url(w, agreement), {
        "reviewed_on": local_today(w).isoformat(), "outcome": ReviewOutcome.NOT_KEPT,
        "body": "Bea says nothing changed.", "audience": Audience.STAFF}, headers=HTMX)
    assert response.status_code == 200 and 'id="agreement"' in text(response)
    note = Note.get_by_id(Agreement.get_by_id(agreement.id).review_note_id)
    assert note.audience == Audience.STAFF and not list(note.shares)
    for party in (w.alex_user, w.bea_user):
        assert "Bea says nothing changed." not in text(w.as_(party).get("/shared"))
        assert "Not kept" not in text(w.as_(party).get(f"{w.case_url}/agreements/{agreement.id}"))


def test_a_review_without_a_note_writes_none(w):
    agreement = final_agreement(w)
    close(w)
    response = w.as_(w.coach).submit(review_url(w, agreement), {
        "reviewed_on": local_today(w).isoformat(), "outcome": ReviewOutcome.KEPT, "audience": Audience.STAFF})
    assert response.status_code == 303
    row = Agreement.get_by_id(agreement.id)
    assert row.review_outcome == ReviewOutcome.KEPT and row.review_note_id is None
    assert Note.select().count() == 0


def test_a_bad_review_is_refused_with_a_message_and_nothing_saved(w):
    agreement = final_agreement(w)
    tomorrow = (local_today(w) + timedelta(days=1)).isoformat()
    for data, message in (
            ({"outcome": ReviewOutcome.KEPT}, "Enter the date of the review."),
            ({"reviewed_on": tomorrow, "outcome": ReviewOutcome.KEPT}, "cannot be in the future"),
            ({"reviewed_on": local_today(w).isoformat()}, "Choose how the terms were kept."),
            ({"reviewed_on": local_today(w).isoformat(), "outcome": ReviewOutcome.KEPT, "body": "x",
              "audience": Audience.PARTIES}, "Choose at least one party")):
        response = w.as_(w.coach).submit(review_url(w, agreement), {"audience": Audience.STAFF, **data})
        assert response.status_code == 422 and message in text(response), message
    assert Agreement.get_by_id(agreement.id).reviewed_on is None and Note.select().count() == 0


def test_who_may_record_a_review(w):
    agreement = final_agreement(w)
    close(w)
    assert w.as_(w.coach).get(review_url(w, agreement)).status_code == 200
    assert w.as_(w.coordinator).get(review_url(w, agreement)).status_code == 200
    assert w.as_(w.alex_user).get(review_url(w, agreement)).status_code == 403
    assert w.as_(w.outsider_coach).get(review_url(w, agreement)).status_code == 404
    assert w.as_(w.outsider_user).get(review_url(w, agreement)).status_code == 404
    draft = make_agreement(w.case, w.coach, state=AgreementState.DRAFT)
    assert w.as_(w.alex_user).get(review_url(w, draft)).status_code == 404
    assert w.as_(w.coach).get(review_url(w, draft)).status_code == 403
    proposed = make_agreement(w.case, w.coach, state=AgreementState.PROPOSED)
    assert w.as_(w.coach).get(review_url(w, proposed)).status_code == 403


# --- closing with sessions still to come ----------------------------------------------------

def _sessions(w):
    from portal.models import utcnow
    from tests.factories import make_session
    now = utcnow()
    ahead = [make_session(w.case, parties=[w.alex, w.bea], coaches=[w.coach], starts_at=now + timedelta(days=d))
             for d in (3, 10)]
    held = make_session(w.case, parties=[w.alex], starts_at=now - timedelta(days=3), status="held")
    return ahead, held


CLOSE = {"outcome": "resolved", "closing_note": "Agreement kept."}


def test_closing_asks_what_happens_to_sessions_still_to_come(w):
    _sessions(w)
    form = text(w.as_(w.coordinator).get(f"{w.case_url}/close"))
    assert "Sessions still to come" in form and "2 sessions are still booked" in form
    refused = w.as_(w.coordinator).submit(f"{w.case_url}/close", CLOSE)
    assert refused.status_code == 422
    assert "Choose what happens to the sessions still to come." in text(refused)
    assert not Case.get_by_id(w.case.id).is_closed


def test_closing_cancels_sessions_still_to_come_and_tells_the_parties(w, outbox):
    from portal.models import CaseSession
    (first, second), held = _sessions(w)
    response = w.as_(w.coordinator).submit(f"{w.case_url}/close", {**CLOSE, "future_sessions": "cancel"})
    assert response.status_code == 303
    rows = {s.id: (s.status, s.cancelled_by) for s in CaseSession.select()}
    assert rows == {first.id: ("cancelled", "service"), second.id: ("cancelled", "service"),
                    held.id: ("held", None)}
    summary = CaseEvent.select().where(CaseEvent.case == w.case).order_by(CaseEvent.id.desc()).get().summary
    assert summary == "Case closed. Outcome: resolved. 2 sessions still to come cancelled."
    mails = closing_emails(outbox)
    assert sorted(m["To"] for m in mails) == sorted([w.alex_user.email, w.bea_user.email])
    for message in mails:
        body = body_of(message)
        assert message["Subject"] == "Your mediation has ended"
        assert "have been cancelled" in body
        assert "Agreement kept." not in body and "resolved" not in body and w.case.reference not in body
    # Nothing stays "upcoming" for a party.
    home = text(w.as_(w.alex_user).get("/party"))
    assert "Cancelled" in home


def test_closing_keeps_sessions_still_to_come_when_asked(w, outbox):
    from portal.models import CaseSession
    _sessions(w)
    response = w.as_(w.coordinator).submit(f"{w.case_url}/close", {**CLOSE, "future_sessions": "keep"})
    assert response.status_code == 303
    assert {s.status for s in CaseSession.select()} == {"scheduled", "held"}
    assert all("go ahead as planned" in body_of(m) for m in closing_emails(outbox))
    assert len(closing_emails(outbox)) == 2


def test_closing_without_sessions_to_come_asks_nothing(w, outbox):
    form = text(w.as_(w.coordinator).get(f"{w.case_url}/close"))
    assert "Sessions still to come" not in form
    assert w.as_(w.coordinator).submit(f"{w.case_url}/close", CLOSE).status_code == 303
    assert all("session" not in body_of(m) for m in outbox())


# --- the party sees the end, and answers an offer of coaching -------------------------------

def test_the_party_sees_that_their_mediation_has_ended_in_plain_words(w):
    w.as_(w.coordinator).submit(f"{w.case_url}/close", {"outcome": "partly_resolved", "closing_note": "Staff words."})
    home = text(w.as_(w.alex_user).get("/party"))
    assert "Your mediation has ended" in home
    assert "It ended with the matter partly resolved." in home
    assert "Staff words." not in home


def _offered(w):
    w.as_(w.coordinator).submit(f"{w.case_url}/close", {"outcome": "resolved", "closing_note": "Done."})
    response = w.as_(w.coordinator).submit(f"{w.case_url}/parties/{w.alex.id}/follow-on", page=w.case_url)
    assert response.status_code == 303
    follow_on = Case.get(Case.parent_case == w.case)
    from portal.models import CaseParty
    return follow_on, CaseParty.get(CaseParty.case == follow_on)


def test_coaching_is_an_offer_the_party_sees_explained_and_answers_without_javascript(w, app):
    from portal.models import CaseParty
    follow_on, record = _offered(w)
    assert record.coaching_offer == "waiting"
    app.config["COACHING_OFFER_COST"] = "£10 a session, or free if you receive benefits."
    home = text(w.as_(w.alex_user).get("/party"))
    assert "Post-mediation coaching: an offer" in home and app.config["SERVICE_NAME"] in home
    assert "£10 a session, or free if you receive benefits." in home and "It is your choice." in home
    assert "I want to take part" not in home  # the offer is the question
    assert "Post-mediation coaching: an offer" not in text(w.as_(w.bea_user).get("/party"))
    answer = f"/cases/{follow_on.reference}/parties/{record.id}/coaching-offer/accepted"
    response = w.as_(w.alex_user).submit(answer, page="/party")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/party#coaching-offer-{record.id}")
    row = CaseParty.get_by_id(record.id)
    assert row.coaching_offer == "accepted" and row.coaching_offer_answered_at is not None
    assert row.consent_state == "given"
    assert "You said yes to post-mediation coaching." in text(w.as_(w.alex_user).get("/party"))
    # Once only.
    assert w.as_(w.alex_user).submit(answer.replace("accepted", "declined"), page="/party").status_code == 403
    # The coordinator sees the answer on the case page.
    page = text(w.as_(w.coordinator).get(f"/cases/{follow_on.reference}"))
    assert "Post-mediation coaching: <strong>Accepted the offer</strong>" in page
    assert AuditEvent.select().where(AuditEvent.event == "case.coaching_offer_answered").count() == 1


def test_declining_the_offer_in_place_with_htmx(w):
    from portal.models import CaseParty
    follow_on, record = _offered(w)
    answer = f"/cases/{follow_on.reference}/parties/{record.id}/coaching-offer/declined"
    response = w.as_(w.alex_user).submit(answer, page="/party", headers=HTMX)
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith(f'<div id="coaching-offer-{record.id}"') and "<html" not in body
    assert "You said no to post-mediation coaching." in body
    row = CaseParty.get_by_id(record.id)
    assert (row.coaching_offer, row.consent_state) == ("declined", "declined")


def test_only_the_party_offered_answers(w):
    follow_on, record = _offered(w)
    url = f"/cases/{follow_on.reference}/parties/{record.id}/coaching-offer/accepted"
    assert w.as_(w.bea_user).submit(url, page="/party").status_code == 404
    assert w.as_(w.outsider_user).submit(url, page="/party").status_code == 404
    assert w.as_(w.coordinator).submit(url, page="/party").status_code == 403
    assert w.as_(w.alex_user).submit(url.replace("accepted", "maybe"), page="/party").status_code == 404
    assert w.as_(w.alex_user).client.post(url).status_code == 400  # no CSRF token


# --- issue 13's fixes on the party's side ---------------------------------------------------

def test_a_cancelled_session_is_not_upcoming_on_the_partys_home(w):
    from portal.models import utcnow
    from tests.factories import make_session
    ahead = utcnow() + timedelta(days=4)
    booked = make_session(w.case, parties=[w.alex], coaches=[w.coach], starts_at=ahead)
    called_off = make_session(w.case, parties=[w.alex], coaches=[w.coach], starts_at=ahead,
                              status="cancelled", cancelled_by="coach")
    page = text(w.as_(w.alex_user).get("/party"))
    upcoming = page[page.index('id="upcoming-heading"'):page.index('id="actions-heading"')]
    assert f'id="my-session-{booked.id}"' in upcoming
    assert f'id="my-session-{called_off.id}"' not in upcoming
    line = upcoming[upcoming.index(f'id="my-cancelled-session-{called_off.id}"'):]
    assert ": cancelled by the coach</li>" in line[:line.index("</li>") + 5]


def test_the_coordinator_sees_the_coaching_answer_on_the_mediation_too(w):
    follow_on, record = _offered(w)
    page = text(w.as_(w.coordinator).get(w.case_url))
    line = page[page.index(f'id="coaching-offer-answer-{record.id}"'):]
    assert f">{follow_on.reference}</a>): <strong>Offered; waiting for their answer</strong>" in line
    assert line.startswith(f'id="coaching-offer-answer-{record.id}">Alex Morgan (<a ')
    answer = f"/cases/{follow_on.reference}/parties/{record.id}/coaching-offer/declined"
    assert w.as_(w.alex_user).submit(answer, page="/party").status_code == 303
    page = text(w.as_(w.coordinator).get(w.case_url))
    line = page[page.index(f'id="coaching-offer-answer-{record.id}"'):]
    assert "<strong>Declined the offer</strong>" in line[:line.index("</li>")]
    # A coach on the mediation but not on the coaching case does not see it.
    assert f'id="coaching-offer-answer-{record.id}"' not in text(w.as_(w.coach).get(w.case_url))


def test_coaching_is_offered_to_each_party_once(w):
    follow_on, record = _offered(w)
    assert record.offered_from_id == w.alex.id
    page = text(w.as_(w.coordinator).get(w.case_url))
    assert "Offer post-mediation coaching to Alex Morgan" not in page
    assert "Offer post-mediation coaching to Bea Lewis" in page
    again = w.as_(w.coordinator).submit(f"{w.case_url}/parties/{w.alex.id}/follow-on", page=w.case_url)
    assert again.status_code == 403
    assert Case.select().where(Case.parent_case == w.case).count() == 1
    # A coach never had the button.
    assert "Offer post-mediation coaching" not in text(w.as_(w.coach).get(w.case_url))


def test_the_policy_offers_coaching_to_a_party_once_on_a_closed_mediation():
    from portal import policy
    from portal.vocab import CaseKind, Role
    coordinator, coach = policy.Actor(1, Role.COORDINATOR), policy.Actor(2, Role.COACH)
    closed = policy.CaseFacts(case_id=1, coach_ids=frozenset({2}), closed=True, kind=CaseKind.MEDIATION)
    assert policy.can_offer_follow_on(coordinator, closed) is True
    assert policy.can_offer_follow_on(coordinator, closed, offered=True) is False
    assert policy.can_offer_follow_on(coach, closed) is False
    assert policy.can_offer_follow_on(policy.Actor(1, Role.COORDINATOR, active=False), closed) is False
    open_case = policy.CaseFacts(case_id=1, closed=False, kind=CaseKind.MEDIATION)
    assert policy.can_offer_follow_on(coordinator, open_case) is False
    coaching = policy.CaseFacts(case_id=1, closed=True, kind=CaseKind.COACHING)
    assert policy.can_offer_follow_on(coordinator, coaching) is False


def test_closing_sends_each_party_a_calendar_file_removing_their_cancelled_sessions(w, outbox):
    from icalendar import Calendar

    from portal.models import CaseSession
    (first, second), _ = _sessions(w)
    w.as_(w.coordinator).submit(f"{w.case_url}/close", {**CLOSE, "future_sessions": "cancel"})
    for message in closing_emails(outbox):
        files = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        events = [next(iter(Calendar.from_ical(p.get_payload(decode=True)).walk("VEVENT"))) for p in files]
        assert sorted((str(e["UID"]), int(e["SEQUENCE"]), str(e["STATUS"])) for e in events) == sorted(
            (f"session-{s.id}@localhost", 1, "CANCELLED") for s in (first, second))
        assert all(p.get_params()[1] == ("method", "CANCEL") for p in files)
    assert {s.sequence for s in CaseSession.select().where(CaseSession.id.in_([first.id, second.id]))} == {1}
