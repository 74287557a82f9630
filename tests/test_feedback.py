"""Feedback when a case closes: who is invited and how, the single-use link that needs no
sign-in (spent, expired, unknown), the party's own form in the portal, and who reads the answers
and the free text (staff on the case alone)."""

import re
from datetime import timedelta
from html import unescape

import pytest

from portal.models import AuditEvent, Case, CaseParty, FeedbackRequest, Notification, utcnow
from portal.vocab import (
    CaseOutcome,
    ConsentState,
    FeedbackHelped,
    FeedbackSituation,
    NotificationKind,
    Satisfaction,
    UnsafeRoute,
)
from tests.apps import body_of
from tests.conftest import Browser
from tests.factories import add_party

MARKER = "FEEDBACK-MARKER-7731"
LINK = re.compile(r"http://[^\s]+/feedback/([A-Za-z0-9_-]{20,})")


def text(response):
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def closed(w, outbox):
    """The shared mediation case, with a party without an account (safe email) and one whose
    email must not be used, closed by the coordinator through the page."""
    w.cleo = add_party(w.case, name="Cleo Park", consent_state=ConsentState.GIVEN)
    w.dan = add_party(w.case, name="Dan Quinn", unsafe_routes=UnsafeRoute.EMAIL, consent_state=ConsentState.GIVEN)
    CaseParty.update(email="cleo@example.test").where(CaseParty.id == w.cleo.id).execute()
    CaseParty.update(email="dan@example.test").where(CaseParty.id == w.dan.id).execute()
    response = w.as_(w.coordinator).submit(f"{w.case_url}/close", {
        "outcome": CaseOutcome.RESOLVED, "closing_note": "Ended well."})
    assert response.status_code == 303
    w.emails = {m["To"]: m for m in outbox() if "How did it go" in m["Subject"]}
    w.tokens = {to: LINK.search(body_of(m)).group(1) for to, m in w.emails.items()}
    return w


def answer(client, token, data):
    """POST the form with a valid CSRF token (a spent link's page has no form: the sign-in page's)."""
    page = client.get(f"/feedback/{token}")
    if page.status_code != 200:
        page = client.get("/sign-in")
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    return client.post(f"/feedback/{token}", data={"csrf_token": csrf.group(1), **data})


def test_closing_invites_each_party_with_a_safe_email_or_an_account_once(closed):
    w = closed
    invited = {r.party_id for r in FeedbackRequest.select()}
    assert invited == {w.alex.id, w.bea.id, w.cleo.id}  # Dan: no account, email not safe
    audit = AuditEvent.get(AuditEvent.event == "feedback.invited")
    assert (audit.actor_id, audit.case_id, audit.detail) == (w.coordinator.id, w.case.id, "parties=3")
    assert set(w.emails) == {w.alex_user.email, w.bea_user.email, "cleo@example.test"}
    body = body_of(w.emails["cleo@example.test"])
    assert "you do not need to sign in" in body
    assert w.case.reference not in body and "Alex" not in body and "Ended well" not in body
    # Only the link's hash is kept.
    for token in w.tokens.values():
        assert FeedbackRequest.select().where(FeedbackRequest.token_hash == token).count() == 0
    # A party with an account also finds it in the portal.
    kinds = {(n.recipient_id, n.kind) for n in Notification.select()}
    assert (w.alex_user.id, NotificationKind.FEEDBACK_INVITED) in kinds
    page = text(w.as_(w.alex_user).get("/party"))
    assert "Tell us how it went" in page
    # Reopened and closed again: nobody is asked twice.
    w.as_(w.coordinator).submit(f"{w.case_url}/reopen", {"reason": "More to do."})
    w.as_(w.coordinator).submit(f"{w.case_url}/close", {"outcome": CaseOutcome.RESOLVED, "closing_note": "x"})
    assert FeedbackRequest.select().count() == 3


def test_the_link_works_once_without_sign_in_and_then_says_so(closed, app):
    w = closed
    token = w.tokens["cleo@example.test"]
    client = app.test_client()
    assert client.get(f"/feedback/{token}").status_code == 200

    empty = answer(client, token, {})
    assert empty.status_code == 422
    assert "Answer at least one question" in text(empty)
    too_long = answer(client, token, {"comment": "x" * 2001})
    assert too_long.status_code == 422
    forged = answer(client, token, {"satisfaction": "ecstatic"})
    assert forged.status_code == 422
    assert FeedbackRequest.get(FeedbackRequest.party == w.cleo.id).answered_at is None

    done = answer(client, token, {"satisfaction": Satisfaction.SATISFIED, "helped": FeedbackHelped.PARTLY,
                                  "comment": f"  {MARKER} thank you  "})
    assert done.status_code == 303 and done.headers["Location"].endswith("/feedback/thanks")
    row = FeedbackRequest.get(FeedbackRequest.party == w.cleo.id)
    assert (row.satisfaction, row.helped, row.situation, row.comment) == (
        Satisfaction.SATISFIED, FeedbackHelped.PARTLY, None, f"{MARKER} thank you")
    audit = AuditEvent.select().where(AuditEvent.event == "feedback.given").get()
    assert MARKER not in audit.detail

    again = client.get(f"/feedback/{token}")
    assert again.status_code == 410 and "Feedback already sent" in text(again)
    assert MARKER not in text(again)
    assert answer(client, token, {"situation": FeedbackSituation.WORSE}).status_code == 410
    assert FeedbackRequest.get_by_id(row.id).situation is None
    assert client.get("/feedback/not-a-real-token-at-all-1234").status_code == 404


def test_an_expired_link_says_so_and_takes_nothing(closed, app):
    w = closed
    FeedbackRequest.update(expires_at=utcnow() - timedelta(minutes=1)).execute()
    client = app.test_client()
    page = client.get(f"/feedback/{w.tokens['cleo@example.test']}")
    assert page.status_code == 410 and "expired" in text(page)
    assert "Tell us how it went" not in text(w.as_(w.alex_user).get("/party"))


def test_a_party_answers_signed_in_and_no_one_else_can(closed):
    w = closed
    mine = FeedbackRequest.get(FeedbackRequest.party == w.alex.id)
    url = f"/feedback/mine/{mine.id}"
    for user in (w.bea_user, w.outsider_user, w.coach, w.coordinator):
        assert w.as_(user).get(url).status_code == 404, user.name
    alex = w.as_(w.alex_user)
    assert alex.get(url).status_code == 200
    assert alex.submit(url, {}).status_code == 422
    response = alex.submit(url, {"situation": FeedbackSituation.BETTER, "comment": MARKER})
    assert response.status_code == 303
    assert FeedbackRequest.get_by_id(mine.id).situation == FeedbackSituation.BETTER
    assert alex.get(url).status_code == 410
    # The emailed link is spent too.
    assert Browser(w.app.test_client()).get(f"/feedback/{w.tokens[w.alex_user.email]}").status_code == 410


def test_answers_and_words_are_for_staff_on_the_case_alone(closed, outbox):
    w = closed
    answer(w.app.test_client(), w.tokens[w.bea_user.email],
           {"satisfaction": Satisfaction.VERY_SATISFIED, "comment": MARKER})
    for staff in (w.coach, w.other_coach, w.coordinator):
        page = text(w.as_(staff).get(w.case_url))
        assert "Very satisfied" in page and MARKER in page, staff.name
    assert w.as_(w.outsider_coach).get(w.case_url).status_code == 404
    for party in (w.alex_user, w.bea_user, w.outsider_user):
        for url in ("/party", "/notifications", "/action-points", "/shared"):
            response = w.as_(party).get(url, follow_redirects=True)
            assert MARKER not in text(response), (party.name, url)
    for message in outbox():
        assert MARKER not in body_of(message) and MARKER not in message["Subject"]


def test_a_party_without_an_email_or_account_is_not_invited(w):
    quiet = add_party(w.case, name="Quiet", consent_state=ConsentState.GIVEN)
    Case.update(status=Case.status).execute()
    w.as_(w.coordinator).submit(f"{w.case_url}/close", {"outcome": CaseOutcome.RESOLVED, "closing_note": "x"})
    assert FeedbackRequest.select().where(FeedbackRequest.party == quiet.id).count() == 0
    assert CaseParty.get_by_id(quiet.id).name == "Quiet"
