"""Written agreements through the web: drafting from a template, changing items in place,
proposing, each party's acceptance of one exact version, new versions, the final PDF stored with
its hash, terms becoming action points, and who may see what (404 for everyone else)."""

import hashlib
import io
from datetime import timedelta
from html import unescape

import pytest
from pypdf import PdfReader

from portal import times
from portal.models import ActionPoint, Agreement, AgreementAcceptance, AgreementIssue, AgreementTerm, CaseParty
from portal.vocab import AgreementState, ConsentState
from tests.apps import body_of, links_in
from tests.factories import add_party, allocate, make_case

HTMX = {"HX-Request": "true"}


def local_today(w):
    with w.app.app_context():
        return times.local_today()


def url(w, agreement, action=""):
    return f"{w.case_url}/agreements/{agreement.id}{'/' + action if action else ''}"


def start(w, template="neighbour-noise"):
    response = w.as_(w.coach).submit(f"{w.case_url}/agreements/new", {"template": template})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return Agreement.select().order_by(Agreement.id.desc()).get()


def add_term(w, agreement, what, who="both", due_on="", by=None, headers=None):
    return w.as_(by or w.coach).submit(url(w, agreement, "terms/new"),
                                       {"what": what, "who": who, "due_on": due_on},
                                       headers=headers or {})


def propose(w, agreement):
    return w.as_(w.coach).submit(url(w, agreement, "propose"), {}, page=url(w, agreement))


def accept(w, agreement, user, name, has_read="y"):
    data = {"typed_name": name}
    if has_read:
        data["has_read"] = has_read
    return w.as_(user).submit(url(w, agreement, "accept"), data)


def proposed(w, terms=("Keep music low after 10pm",)):
    agreement = start(w, "blank")
    for what in terms:
        add_term(w, agreement, what)
    assert propose(w, agreement).status_code == 303
    return Agreement.get_by_id(agreement.id)


def texts(model, agreement):
    field = model.text if model is AgreementIssue else model.what
    return [getattr(row, field.name) for row in
            model.select().where(model.agreement == agreement.id).order_by(model.position)]


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- drafting -------------------------------------------------------------------------------

def test_a_coach_starts_from_a_template_and_only_staff_see_the_draft(w):
    agreement = start(w)
    assert (agreement.state, agreement.version) == (AgreementState.DRAFT, 1)
    assert agreement.title == "Agreement about noise between neighbours"
    assert texts(AgreementIssue, agreement)[0] == "Noise late in the evening and at night"
    assert len(texts(AgreementTerm, agreement)) == 3
    for staff in (w.coach, w.other_coach, w.coordinator):
        page = w.as_(staff).get(url(w, agreement))
        assert page.status_code == 200 and "Noise late in the evening" in page.get_data(as_text=True)
    for outsider in (w.alex_user, w.bea_user, w.outsider_user, w.outsider_coach):
        assert w.as_(outsider).get(url(w, agreement)).status_code == 404
        assert w.as_(outsider).get(url(w, agreement, "agreement.pdf")).status_code == 404
    assert "Noise late" not in w.as_(w.alex_user).get("/party").get_data(as_text=True)


def test_only_a_coach_on_an_open_mediation_case_drafts(w):
    assert w.as_(w.coordinator).get(f"{w.case_url}/agreements/new").status_code == 403
    assert w.as_(w.outsider_coach).get(f"{w.case_url}/agreements/new").status_code == 404
    coaching = make_case(kind="coaching")
    allocate(coaching, w.coach)
    assert w.as_(w.coach).get(f"/cases/{coaching.reference}/agreements/new").status_code == 403
    response = w.as_(w.coach).submit(f"{w.case_url}/agreements/new", {"template": "nonsense"})
    assert response.status_code == 422 and Agreement.select().count() == 0


def test_terms_are_added_changed_moved_and_removed(w):
    agreement = start(w, "blank")
    due = (local_today(w) + timedelta(days=30)).isoformat()
    assert add_term(w, agreement, "Trim the hedge", who=str(w.alex.id), due_on=due).status_code == 303
    assert add_term(w, agreement, "Talk before calling the council").status_code == 303
    first, second = AgreementTerm.select().order_by(AgreementTerm.position)
    assert (first.party_id, first.due_on.isoformat()) == (w.alex.id, due)
    assert second.party_id is None and second.due_on is None

    w.as_(w.coach).submit(url(w, agreement, f"terms/{second.id}/move/up"), {}, page=url(w, agreement))
    assert texts(AgreementTerm, agreement) == ["Talk before calling the council", "Trim the hedge"]
    response = w.as_(w.coach).submit(url(w, agreement, f"terms/{first.id}/edit"),
                                     {"what": "Trim the hedge to 2 metres", "who": "both", "due_on": ""})
    assert response.status_code == 303
    assert AgreementTerm.get_by_id(first.id).what == "Trim the hedge to 2 metres"
    assert AgreementTerm.get_by_id(first.id).party_id is None
    w.as_(w.coach).submit(url(w, agreement, f"terms/{second.id}/remove"), {}, page=url(w, agreement))
    assert texts(AgreementTerm, agreement) == ["Trim the hedge to 2 metres"]


def test_issues_and_details_change_in_place_with_htmx(w):
    agreement = start(w, "blank")
    response = w.as_(w.coach).submit(url(w, agreement, "issues/new"), {"text": "Parking"},
                                     headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#agreement"
    assert "Parking" in response.get_data(as_text=True)
    review = (local_today(w) + timedelta(days=90)).isoformat()
    response = w.as_(w.coach).submit(url(w, agreement, "details"),
                                     {"title": "Parking agreement", "review_on": review,
                                      "other_terms": "First paragraph.\n\nSecond."}, headers=HTMX)
    assert response.status_code == 200
    fresh = Agreement.get_by_id(agreement.id)
    assert (fresh.title, fresh.review_on.isoformat()) == ("Parking agreement", review)


@pytest.mark.parametrize("data, message", [
    ({"what": "", "who": "both"}, "Say what will be done."),
    ({"what": "x" * 1001, "who": "both"}, "Keep the term to 1,000 characters or fewer."),
    ({"what": "Something", "who": "999999"}, "Not a valid choice."),
    ({"what": "Something", "who": "both", "due_on": "soon"},
     "Enter the date as day/month/year, for example 21/11/2026."),
    ({"what": "Something", "who": "both", "due_on": "2001-01-01"}, "The date cannot be in the past."),
])
def test_a_bad_term_is_refused_with_a_message_and_nothing_saved(w, data, message):
    agreement = start(w, "blank")
    response = w.as_(w.coach).submit(url(w, agreement, "terms/new"), data)
    assert response.status_code == 422
    assert message in unescape(response.get_data(as_text=True))
    assert AgreementTerm.select().count() == 0


def test_a_party_of_another_case_cannot_be_named_on_a_term(w):
    agreement = start(w, "blank")
    stranger = CaseParty.get(CaseParty.user == w.outsider_user.id)
    response = add_term(w, agreement, "Something", who=str(stranger.id))
    assert response.status_code == 422 and AgreementTerm.select().count() == 0


# --- proposing ------------------------------------------------------------------------------

def test_proposing_needs_a_term_and_every_party_consenting(w):
    agreement = start(w, "blank")
    propose(w, agreement)
    assert Agreement.get_by_id(agreement.id).state == AgreementState.DRAFT
    add_term(w, agreement, "Keep music low after 10pm")
    CaseParty.update(consent_state=ConsentState.WITHDRAWN).where(CaseParty.id == w.bea.id).execute()
    page = w.as_(w.coach).get(url(w, agreement))
    propose(w, agreement)
    assert Agreement.get_by_id(agreement.id).state == AgreementState.DRAFT
    assert page.status_code == 200
    flashed = w.as_(w.coach).submit(url(w, agreement, "propose"), {}, page=url(w, agreement),
                                    follow_redirects=True).get_data(as_text=True)
    assert "Bea Lewis has not given consent" in unescape(flashed)


def test_proposing_emails_each_party_without_content_and_then_it_is_frozen(w, outbox):
    agreement = proposed(w, terms=("Marker-term-4471 keep music low",))
    assert agreement.state == AgreementState.PROPOSED
    messages = outbox()
    assert sorted(m["To"] for m in messages) == sorted([w.alex_user.email, w.bea_user.email])
    for m in messages:
        text = m["Subject"] + body_of(m)
        assert "Marker-term" not in text and "ready for you to read" in text
        assert links_in(m) == [f"http://localhost{url(w, agreement)}"]
    for user in (w.alex_user, w.bea_user):
        assert "Marker-term-4471" in w.as_(user).get(url(w, agreement)).get_data(as_text=True)
    # Frozen: no more changes in place, for anyone.
    assert add_term(w, agreement, "Another").status_code == 403
    assert AgreementTerm.select().count() == 1


# --- accepting ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, has_read, message", [
    ("", "y", "Type your full name to accept."),
    ("Bea Lewis", "y", "Type your full name as it appears on the agreement: Alex Morgan."),
    ("Alex Morgan", "", "Tick to say you have read it and accept it."),
])
def test_a_bad_acceptance_is_refused_with_a_message(w, name, has_read, message):
    agreement = proposed(w)
    response = accept(w, agreement, w.alex_user, name, has_read)
    assert response.status_code == 422
    assert message in unescape(response.get_data(as_text=True))
    assert AgreementAcceptance.select().count() == 0


def test_every_party_accepting_makes_it_final_with_a_stored_pdf_and_action_points(w):
    due = local_today(w) + timedelta(days=14)
    agreement = start(w, "blank")
    add_term(w, agreement, "Trim the hedge", who=str(w.alex.id), due_on=due.isoformat())
    add_term(w, agreement, "Talk before calling the council")
    propose(w, agreement)

    assert accept(w, agreement, w.alex_user, "  alex   MORGAN ").status_code == 303
    mine = AgreementAcceptance.get()
    assert (mine.party_id, mine.version, mine.typed_name) == (w.alex.id, 1, "alex   MORGAN")
    assert Agreement.get_by_id(agreement.id).state == AgreementState.PROPOSED
    twice = w.as_(w.alex_user).submit(url(w, agreement, "accept"),
                                      {"typed_name": "Alex Morgan", "has_read": "y"},
                                      follow_redirects=True)
    assert "Alex Morgan has already accepted this version." in unescape(twice.get_data(as_text=True))
    assert AgreementAcceptance.select().count() == 1

    assert accept(w, agreement, w.bea_user, "Bea Lewis").status_code == 303
    final = Agreement.get_by_id(agreement.id)
    assert final.state == AgreementState.FINAL and final.finalised_at is not None

    first = w.as_(w.bea_user).get(url(w, agreement, "agreement.pdf"))
    again = w.as_(w.coordinator).get(url(w, agreement, "agreement.pdf"))
    assert first.status_code == again.status_code == 200
    assert first.get_data() == again.get_data()
    assert hashlib.sha256(first.get_data()).hexdigest() == final.pdf_sha256
    assert first.headers["Content-Type"] == "application/pdf"
    assert first.headers["Content-Disposition"].startswith("attachment;")
    text = pdf_text(first.get_data())
    assert "Final" in text and "Proposed" not in text
    assert "Trim the hedge" in text and "alex MORGAN" in " ".join(text.split())
    # Staff see the hash of the stored file; a party is told in words that it is final.
    assert final.pdf_sha256 in w.as_(w.coordinator).get(url(w, agreement)).get_data(as_text=True)
    assert final.pdf_sha256 not in w.as_(w.alex_user).get(url(w, agreement)).get_data(as_text=True)

    points = {(p.party_id, p.text, p.due_on) for p in ActionPoint.select()}
    assert points == {(w.alex.id, "Trim the hedge", due),
                      (w.alex.id, "Talk before calling the council", None),
                      (w.bea.id, "Talk before calling the council", None)}
    assert all(p.agreement_term_id for p in ActionPoint.select())
    # Final means frozen.
    assert w.as_(w.coach).submit(url(w, agreement, "details"),
                                 {"title": "Changed"}, page=url(w, agreement)).status_code == 403


def test_a_change_after_proposal_is_a_new_version_that_starts_acceptance_again(w):
    agreement = proposed(w, terms=("Keep music low after 10pm",))
    accept(w, agreement, w.alex_user, "Alex Morgan")
    response = w.as_(w.coach).submit(url(w, agreement, "revise"), {}, page=url(w, agreement))
    assert response.status_code == 303
    draft = Agreement.get(Agreement.previous == agreement.id)
    assert (draft.version, draft.state) == (2, AgreementState.DRAFT)
    assert texts(AgreementTerm, draft) == ["Keep music low after 10pm"]
    # The parties do not see the new draft; they still see version 1.
    assert w.as_(w.bea_user).get(url(w, draft)).status_code == 404

    add_term(w, draft, "Marker-new-term-3310 no parties on weeknights")
    propose(w, draft)
    assert Agreement.get_by_id(agreement.id).state == AgreementState.SUPERSEDED
    page = w.as_(w.alex_user).get(url(w, draft)).get_data(as_text=True)
    assert "What changed since version 1" in page
    assert "Term added: Marker-new-term-3310" in unescape(page)
    assert "has not accepted yet" in page  # Alex's acceptance of version 1 does not count
    assert accept(w, agreement, w.bea_user, "Bea Lewis").status_code == 403  # v1 is replaced
    accept(w, draft, w.alex_user, "Alex Morgan")
    accept(w, draft, w.bea_user, "Bea Lewis")
    assert Agreement.get_by_id(draft.id).state == AgreementState.FINAL
    assert {a.version for a in AgreementAcceptance.select().where(
        AgreementAcceptance.agreement == draft.id)} == {2}


def test_a_new_version_of_a_final_agreement_leaves_it_final_until_accepted(w):
    agreement = proposed(w)
    accept(w, agreement, w.alex_user, "Alex Morgan")
    accept(w, agreement, w.bea_user, "Bea Lewis")
    w.as_(w.coach).submit(url(w, agreement, "revise"), {}, page=url(w, agreement))
    draft = Agreement.get(Agreement.previous == agreement.id)
    add_term(w, draft, "One more thing")
    propose(w, draft)
    assert Agreement.get_by_id(agreement.id).state == AgreementState.FINAL
    accept(w, draft, w.alex_user, "Alex Morgan")
    accept(w, draft, w.bea_user, "Bea Lewis")
    assert Agreement.get_by_id(agreement.id).state == AgreementState.SUPERSEDED
    # The superseded final PDF is still the stored bytes.
    old = w.as_(w.alex_user).get(url(w, agreement, "agreement.pdf")).get_data()
    assert hashlib.sha256(old).hexdigest() == Agreement.get_by_id(agreement.id).pdf_sha256


def test_a_request_for_a_change_is_seen_by_staff_and_its_party_only(w, outbox):
    agreement = proposed(w)
    outbox_before = len(outbox())
    response = w.as_(w.bea_user).submit(url(w, agreement, "ask-for-a-change"),
                                        {"comment": "Marker-bea-request-9920 earlier quiet hours"})
    assert response.status_code == 303
    for reader, sees in ((w.bea_user, True), (w.coach, True), (w.coordinator, True),
                         (w.alex_user, False)):
        page = w.as_(reader).get(url(w, agreement)).get_data(as_text=True)
        assert ("Marker-bea-request-9920" in page) is sees, reader.name
    emails = outbox()[outbox_before:]
    assert sorted(m["To"] for m in emails) == sorted([w.coach.email, w.other_coach.email])
    assert all("Marker-bea" not in m["Subject"] + body_of(m) for m in emails)


def test_a_party_without_an_account_accepts_in_person(w):
    cy = add_party(w.case, None, name="Cy Without Account", consent_state=ConsentState.GIVEN)
    agreement = proposed(w)
    accept(w, agreement, w.alex_user, "Alex Morgan")
    accept(w, agreement, w.bea_user, "Bea Lewis")
    assert Agreement.get_by_id(agreement.id).state == AgreementState.PROPOSED
    response = w.as_(w.coach).submit(url(w, agreement, "record-acceptance"),
                                     {"party": str(cy.id), "typed_name": "Cy Without Account",
                                      "has_read": "y"})
    assert response.status_code == 303
    recorded = AgreementAcceptance.get(AgreementAcceptance.party == cy.id)
    assert (recorded.method, recorded.recorded_by_id) == ("in_person", w.coach.id)
    assert Agreement.get_by_id(agreement.id).state == AgreementState.FINAL
    # Parties with accounts answer for themselves: no coach records for them.
    assert w.as_(w.coach).submit(url(w, agreement, "record-acceptance"),
                                 {"party": str(w.alex.id)}, page=url(w, agreement)).status_code == 403


def test_the_pdf_before_final_is_a_preview_with_blank_signature_lines(w):
    agreement = proposed(w, terms=("Marker-preview-term",))
    response = w.as_(w.alex_user).get(url(w, agreement, "agreement.pdf"))
    assert response.status_code == 200
    text = pdf_text(response.get_data())
    assert "Marker-preview-term" in text and "Signature" in text
    assert Agreement.get_by_id(agreement.id).pdf_sha256 is None


def test_another_cases_people_get_404_for_a_proposed_agreement(w):
    agreement = proposed(w)
    for outsider in (w.outsider_user, w.outsider_coach):
        for action in ("", "agreement.pdf", "accept", "ask-for-a-change"):
            assert w.as_(outsider).get(url(w, agreement, action)).status_code == 404, action


def test_the_review_date_of_a_final_agreement_is_on_the_staff_home_pages(w):
    agreement = start(w, "blank")
    add_term(w, agreement, "Keep music low after 10pm")
    review = local_today(w) + timedelta(days=12)  # within the coordinator's 14 days ahead
    w.as_(w.coach).submit(url(w, agreement, "details"),
                          {"title": "Noise", "review_on": review.isoformat(), "other_terms": ""})
    propose(w, agreement)
    reviews_heading = "Agreement reviews"
    assert reviews_heading not in w.as_(w.coordinator).get("/coordinator").get_data(as_text=True)
    accept(w, agreement, w.alex_user, "Alex Morgan")
    accept(w, agreement, w.bea_user, "Bea Lewis")
    words = review.strftime("%-d %B %Y")
    for user, home in ((w.coordinator, "/coordinator"), (w.coach, "/coach")):
        page = w.as_(user).get(home).get_data(as_text=True)
        assert reviews_heading in page and words in page, user.name
    assert reviews_heading not in w.as_(w.outsider_coach).get("/coach").get_data(as_text=True)
    timeline = w.as_(w.coach).get(w.case_url).get_data(as_text=True)
    assert f"Review on {words}." in timeline
