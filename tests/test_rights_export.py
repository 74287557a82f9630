"""Subject access: a party's own ZIP, a coordinator's export of any party record (with or without
an account), the list of staff notes naming a person, and who may reach each (exact codes)."""

import io
import json
import zipfile

import pytest

from portal import storage
from portal.models import AuditEvent, CaseParty, EqualityAnswers, FeedbackRequest, Notification, utcnow
from portal.vocab import (
    AgeBand,
    AgreementState,
    Audience,
    CaseKind,
    ConcernState,
    Delivery,
    EqualitySource,
    FeedbackHelped,
    Gender,
    Role,
    Satisfaction,
    ShareState,
)
from tests.conftest import enter_as
from tests.factories import (
    add_party,
    allocate,
    make_action_point,
    make_agreement,
    make_case,
    make_concern,
    make_goal,
    make_note,
    make_note_file,
    make_user,
)


@pytest.fixture
def world(app):
    coordinator = make_user(Role.COORDINATOR)
    coach = make_user(Role.COACH)
    ann = make_user(Role.PARTY, name="Ann Alpha", email="ann@example.test")
    ben = make_user(Role.PARTY, name="Ben Beta", email="ben@example.test")
    case = make_case()
    allocate(case, coach)
    a = CaseParty.create(case=case, user=ann, name="Ann Alpha", email="ann@example.test", phone="MKAPHONE",
                         address="MKAHOME")
    b = CaseParty.create(case=case, user=ben, name="Ben Beta", email="ben@example.test", phone="MKBPHONE",
                         address="MKBHOME")
    make_note(case, coach, Audience.PARTIES, body="<p>MKSHAREDA</p>", shares={a: ShareState.NOT_NEEDED})
    make_note(case, coach, Audience.PARTIES, body="<p>MKSHAREDB</p>", shares={b: ShareState.NOT_NEEDED})
    # Ben's words: shared with Ann only once Ben agrees.
    make_note(case, coach, Audience.PARTIES, body="<p>MKBENWAITING</p>", source=b,
              shares={b: ShareState.NOT_NEEDED, a: ShareState.WAITING})
    make_note(case, coach, Audience.PARTIES, body="<p>MKBENGIVEN</p>", source=b,
              shares={b: ShareState.NOT_NEEDED, a: ShareState.GIVEN})
    make_note(case, coach, Audience.STAFF, body="<p>MKSTAFF about ann alpha</p>")
    make_note(case, coach, Audience.PRIVATE, body="<p>MKPRIVATE about Ann Alpha</p>")
    make_note(case, coach, Audience.STAFF, body="<p>MKSTAFFOTHER about nobody</p>")
    with_file = make_note(case, coach, Audience.PARTIES, body="<p>file</p>", shares={a: ShareState.NOT_NEEDED})
    make_note_file(app, with_file, data=b"MKFILEA plain text", name="Ann-Alpha.txt", content_type="text/plain")
    make_concern(case, coach, state=ConcernState.CLOSED, description="MKCONCERN Ann Alpha was frightened")
    make_action_point(case, a, text="MKAPA", party_comment="MKAPACOMMENT")
    make_action_point(case, b, text="MKAPB")
    make_goal(case, a, text="MKGOALA")
    make_goal(case, b, text="MKGOALB")
    with app.app_context():
        pdf = storage.store(b"%PDF-1.4 MKPDF final agreement")
    make_agreement(case, coach, AgreementState.FINAL, title="MKAGREEMENT", pdf_content=pdf, pdf_sha256=pdf.sha256,
                   proposed_at=utcnow(), finalised_at=utcnow())
    make_agreement(case, coach, AgreementState.DRAFT, title="MKDRAFT")
    Notification.create(recipient=ann, kind="note_shared", link="/shared", key="k-ann", delivery=Delivery.EMAILED)
    Notification.create(recipient=ben, kind="note_shared", link="/shared-ben", key="k-ben",
                        delivery=Delivery.EMAILED)
    # Feedback: each party's own words are theirs; the link's hash is nobody's to take away.
    FeedbackRequest.create(case=case, party=a, token_hash="MKTOKENA", expires_at=utcnow(), answered_at=utcnow(),
                           satisfaction=Satisfaction.SATISFIED, helped=FeedbackHelped.PARTLY, comment="MKFEEDBACKA")
    FeedbackRequest.create(case=case, party=b, token_hash="MKTOKENB", expires_at=utcnow(), answered_at=utcnow(),
                           satisfaction=Satisfaction.VERY_DISSATISFIED, comment="MKFEEDBACKB")
    EqualityAnswers.create(party=a, age_band=AgeBand.AGE_25_34, gender=Gender.WOMAN, source=EqualitySource.PARTY)
    EqualityAnswers.create(party=b, age_band=AgeBand.AGE_65_74, gender=Gender.MAN, source=EqualitySource.PARTY)
    # Someone without an account, on a coaching case of their own.
    other = make_case(CaseKind.COACHING)
    c = add_party(other, None, name="Cy Nobody", phone="MKCPHONE")
    make_action_point(other, c, text="MKAPC")
    FeedbackRequest.create(case=other, party=c, token_hash="MKTOKENC", expires_at=utcnow(), answered_at=utcnow(),
                           helped=FeedbackHelped.YES, comment="MKFEEDBACKC")
    EqualityAnswers.create(party=c, age_band=AgeBand.AGE_18_24, source=EqualitySource.STAFF_WITH_PERMISSION)
    return {"coordinator": coordinator, "coach": coach, "ann": ann, "ben": ben, "a": a, "b": b, "c": c,
            "case": case}


def unzip(response):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    return {name: archive.read(name) for name in archive.namelist()}


ANN_OWN = {"MKAPHONE", "MKAHOME", "MKSHAREDA", "MKBENGIVEN", "MKAPA", "MKAPACOMMENT", "MKGOALA", "MKAGREEMENT",
           "MKFEEDBACKA"}
NOT_ANNS = {"MKBPHONE", "MKBHOME", "MKSHAREDB", "MKBENWAITING", "MKSTAFF", "MKPRIVATE", "MKCONCERN", "MKAPB",
            "MKGOALB", "MKDRAFT", "MKCPHONE", "MKAPC", "shared-ben", "Ann-Alpha.txt", "MKFEEDBACKB", "MKFEEDBACKC",
            "MKTOKENA", "MKTOKENB", "MKTOKENC", "very_dissatisfied", "65_74", "18_24"}


def test_a_party_downloads_their_own_data_and_nothing_else(app, client, world):
    enter_as(client, world["ann"])
    response = client.get("/account/data/accord-data.zip")
    files = unzip(response)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=accord-your-data-") and "Ann" not in disposition
    assert response.headers["Cache-Control"] == "no-store"
    pdfs = [n for n in files if n.startswith("agreements/")]
    notes_files = [n for n in files if n.startswith("files/")]
    assert sorted(files) == sorted(["data.json", "index.html", *pdfs, *notes_files])
    assert len(pdfs) == 1 and len(notes_files) == 1
    assert files[pdfs[0]] == b"%PDF-1.4 MKPDF final agreement"
    assert files[notes_files[0]] == b"MKFILEA plain text"
    data = json.loads(files["data.json"])
    assert data["format"] == "accord-subject-access/1"
    assert [a["email"] for a in data["account"]] == ["ann@example.test"]
    assert [c["phone"] for c in data["cases"]] == ["MKAPHONE"]
    assert [n["link"] for n in data["notifications"]] == ["/shared"]
    assert len(data["shared_notes"]) == 3  # her own share, Ben's words he agreed to share, the file's note
    case_ref = world["case"].reference
    assert [(f["case"], f["satisfaction"], f["helped"], f["situation"], f["your_comment"])
            for f in data["feedback"]] == [(case_ref, "satisfied", "partly", None, "MKFEEDBACKA")]
    assert [(e["party_record"], e["age_band"], e["gender"], e["ethnicity"], e["given_by"])
            for e in data["equality"]] == [(world["a"].id, "25_34", "woman", None, "party")]
    for name in ("data.json", "index.html"):
        text = files[name].decode()
        assert {m for m in ANN_OWN if m not in text} == set(), name
        assert {m for m in NOT_ANNS if m in text} == set(), name
    audit = AuditEvent.select().where(AuditEvent.event == "rights.data_exported").get()
    assert (audit.actor_id, audit.detail) == (world["ann"].id, "own=yes")


def test_the_page_offers_the_download(client, world):
    enter_as(client, world["ann"])
    page = client.get("/account/data")
    assert page.status_code == 200
    assert 'href="/account/data/accord-data.zip"' in page.get_data(as_text=True)
    assert 'href="/account/data"' in client.get("/party").get_data(as_text=True)


def test_a_coordinator_exports_a_party_without_an_account(client, world):
    enter_as(client, world["coordinator"])
    c = world["c"]
    response = client.get(f"/parties/{c.id}/data/export.zip")
    files = unzip(response)
    assert "Cy" not in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"] == \
        f"attachment; filename=accord-data-{c.case.reference}-party-{c.id}.zip"
    data = json.loads(files["data.json"])
    assert data["account"] == [] and data["notifications"] == []
    assert [x["text"] for x in data["action_points"]] == ["MKAPC"]
    assert [(f["case"], f["helped"], f["your_comment"]) for f in data["feedback"]] == \
        [(c.case.reference, "yes", "MKFEEDBACKC")]
    assert [(e["party_record"], e["age_band"], e["given_by"]) for e in data["equality"]] == \
        [(c.id, "18_24", "staff_with_permission")]
    text = files["data.json"].decode() + files["index.html"].decode()
    assert "MKCPHONE" in text and not {m for m in ANN_OWN | NOT_ANNS - {"MKCPHONE", "MKAPC", "MKFEEDBACKC", "18_24"}
                                       if m in text}
    audit = AuditEvent.select().where(AuditEvent.event == "rights.data_exported").get()
    assert (audit.actor_id, audit.record_id, audit.detail) == (world["coordinator"].id, c.id, "own=no")


def test_a_coordinator_export_of_a_party_with_an_account_is_their_own(client, world):
    enter_as(client, world["coordinator"])
    mine = unzip(client.get(f"/parties/{world['a'].id}/data/export.zip"))
    data = json.loads(mine["data.json"])
    assert [c["phone"] for c in data["cases"]] == ["MKAPHONE"]
    assert {m for m in NOT_ANNS if m in mine["data.json"].decode()} == set()


def test_the_review_list_holds_staff_words_naming_the_person(client, world):
    enter_as(client, world["coordinator"])
    response = client.get(f"/parties/{world['a'].id}/data/for-review.html")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        f"attachment; filename=accord-for-review-{world['case'].reference}-party-{world['a'].id}.html"
    text = response.get_data(as_text=True)
    assert "Not to be given to the person as it is" in text
    assert "MKSTAFF about" in text and "MKCONCERN" in text
    # Another coach's private note is not the coordinator's to read; a note naming nobody is not listed.
    assert "MKPRIVATE" not in text and "MKSTAFFOTHER" not in text
    assert AuditEvent.select().where(AuditEvent.event == "rights.staff_mentions_exported").count() == 1


@pytest.mark.parametrize("who, path, code", [
    ("coach", "/account/data", 403), ("coordinator", "/account/data", 403),
    ("coach", "/account/data/accord-data.zip", 403),
    ("ann", "/parties/{a}/data", 403), ("ann", "/parties/{a}/data/export.zip", 403),
    ("coach", "/parties/{a}/data/for-review.html", 403), ("ann", "/retention", 403), ("coach", "/retention", 403),
    ("coordinator", "/parties/99999/data", 404), ("coordinator", "/parties/99999/data/export.zip", 404),
    ("coordinator", "/retention", 200), ("coordinator", "/parties/{a}/data", 200), ("ann", "/account/data", 200),
])
def test_who_may_reach_what(client, world, who, path, code):
    enter_as(client, world[who])
    assert client.get(path.format(a=world["a"].id)).status_code == code
