"""Reports for funders and trustees (issue 15): every cell of every section against a small
service counted by hand, the small-number rule, the period's edges in the service's time zone,
the filters, the form's refusals and who may see it.

The service (times in UTC; the service is in Europe/London, an hour ahead in summer), reported
for 1 July to 30 September 2026:

referrals  source  agency   dispute    urgency  received (UTC)        triaged          case
R1         self    -        neighbour  routine  10 Jul 09:00          12 Jul 09:00     C1
R2         agency  housing  neighbour  urgent   1 Aug 10:00           2 Aug 10:00      C2
R3         agency  police   workplace  soon     15 Aug 12:00          19 Aug 12:00     -
R4         self    -        family     routine  30 Sep 22:30 (23:30 there: the last day)  -
R5         self    -        family     routine  30 Sep 23:10 (00:10 on 1 Oct there: outside)
R6         agency  housing  neighbour  routine  30 Jun 23:30 (00:30 on 1 Jul there: inside), 3 Jul 23:30, C3
R7         self    -        neighbour  routine  1 Jun (outside)                         C4

cases  kind       opened   closed (outcome)       funding
C1     mediation  12 Jul   20 Sep (resolved)      Council fund
C2     coaching   2 Aug    -                      self-funded: fees 50.00 paid, 30.00 not; allowance 3
C3     mediation  3 Jul    -                      Council fund
C4     mediation  5 Jun    10 Aug (not resolved)  Housing trust
C5     coaching   15 Sep   25 Sep (withdrawn)     not recorded; allowance 2; dispute family
C6     coaching   1 Jun    30 Jul (no outcome)    not recorded (no referral, no parties)

sessions  case  kind             mode          status     minutes  coaches  when
S1        C1    pre_mediation    face_to_face  held       60       K1       20 Jul 10:00
S2        C1    joint_mediation  face_to_face  held       120      K1, K2   20 Aug
S3        C1    joint_mediation  online        dna        90       K1       27 Aug
S4        C2    coaching         telephone     held       60       K2       10 Aug 10:00
S5        C2    coaching         telephone     held       45       K2       17 Aug
S6        C2    coaching         online        cancelled  60       K2       24 Aug
S7        C2    coaching         telephone     held       60       K2       5 Oct (outside)
S8        C5    coaching         online        held       45       K1       16 Sep

parties: Ann, Bob (C1), Cat, Dan (C2), Eve (C3), Fay (C5), Gus (C4, opened in June: outside)

feedback  party  invited (UTC)   answered       satisfaction       helped  situation  (and SECRET words)
F1        Ann    20 Sep 12:00    22 Sep 10:00   very satisfied     yes     better
F2        Bob    20 Sep 12:00    2 Oct (outside) satisfied         yes     better
F3        Fay    25 Sep 09:00    -
F4        Gus    10 Aug 09:00    15 Aug 09:00   dissatisfied       partly  (blank)
F5        Dan    1 Sep 09:00     3 Sep 09:00    prefer not to say  no      worse

coaching outcomes: C5 goals met partly; C2 (still open) fully; C6 none recorded.

equality  age band           gender  ethnicity          disability         first language
Ann       25 to 34           woman   white              no                 English
Bob       35 to 44           man     prefer not to say  (blank)            English
Cat       25 to 34           woman   Asian              yes                another
Dan       prefer not to say  man     white              no                 (blank)
Eve       (no answers at all)
Fay       25 to 34           woman   white              no                 Welsh
Gus       75 or over         non-binary  black          yes                Welsh   (C4: outside)
"""

import csv
import io
from datetime import date, datetime

import pytest

from portal import queries
from portal.models import (
    Agreement,
    AuditEvent,
    Case,
    CoachingOutcome,
    ConsentEvent,
    EqualityAnswers,
    FeedbackRequest,
    ListEntry,
    Referral,
)
from portal.reports.periods import Period, quick_period
from portal.reports.sections import Column, cell_text
from portal.vocab import (
    AgeBand,
    AgreementState,
    CaseKind,
    CaseStatus,
    ConsentState,
    Disability,
    EqualitySource,
    Ethnicity,
    FeedbackHelped,
    FeedbackSituation,
    FirstLanguage,
    Gender,
    GoalsMet,
    Role,
    Satisfaction,
    ServiceList,
)
from tests.conftest import enter_as
from tests.factories import add_party, make_agreement, make_case, make_concern, make_session, make_user

Q3 = "date_from=2026-07-01&date_to=2026-09-30"


def referral(n, source, dispute, urgency, received, *, agency=None, triaged=None):
    return Referral.create(reference=f"RF-2026-{n:04d}", source=source, agency_type=agency, dispute_type=dispute,
                           urgency=urgency, description=f"SECRET DESCRIPTION {n}", created_at=received,
                           triaged_at=triaged, status="accepted" if triaged else "new")


def case(kind, opened, *, referral_row=None, closed=None, outcome=None, funding=None, scheme=None, allowance=3,
         dispute="neighbour"):
    return make_case(kind, referral=referral_row, created_at=opened, closed_at=closed, outcome=outcome,
                     status=CaseStatus.CLOSED if closed else CaseStatus.OPEN, funding=funding, funding_scheme=scheme,
                     session_allowance=allowance, dispute_type=dispute,
                     closing_note="SECRET CLOSING NOTE" if closed else None)


def funding_schemes():
    """The service's funding schemes: two, the second retired since (old reports still name it)."""
    ListEntry.delete().where(ListEntry.list == ServiceList.FUNDING_SCHEME).execute()
    ListEntry.create(list=ServiceList.FUNDING_SCHEME, code="council_fund", label="Council fund", position=10)
    ListEntry.create(list=ServiceList.FUNDING_SCHEME, code="housing_trust", label="Housing trust", position=20,
                     retired_at=datetime(2026, 10, 1))


@pytest.fixture
def service(app):
    funding_schemes()
    coordinator = make_user(Role.COORDINATOR)
    k1, k2 = make_user(Role.COACH), make_user(Role.COACH)
    r1 = referral(1, "self", "neighbour", "routine", datetime(2026, 7, 10, 9), triaged=datetime(2026, 7, 12, 9))
    r2 = referral(2, "agency", "neighbour", "urgent", datetime(2026, 8, 1, 10), agency="housing",
                  triaged=datetime(2026, 8, 2, 10))
    referral(3, "agency", "workplace", "soon", datetime(2026, 8, 15, 12), agency="police",
             triaged=datetime(2026, 8, 19, 12))
    referral(4, "self", "family", "routine", datetime(2026, 9, 30, 22, 30))
    referral(5, "self", "family", "routine", datetime(2026, 9, 30, 23, 10))
    r6 = referral(6, "agency", "neighbour", "routine", datetime(2026, 6, 30, 23, 30), agency="housing",
                  triaged=datetime(2026, 7, 3, 23, 30))
    r7 = referral(7, "self", "neighbour", "routine", datetime(2026, 6, 1, 9), triaged=datetime(2026, 6, 2, 9))

    c1 = case(CaseKind.MEDIATION, datetime(2026, 7, 12, 9), referral_row=r1, closed=datetime(2026, 9, 20, 12),
              outcome="resolved", funding="funded", scheme="council_fund")
    c2 = case(CaseKind.COACHING, datetime(2026, 8, 2, 10), referral_row=r2, funding="self_funded")
    c3 = case(CaseKind.MEDIATION, datetime(2026, 7, 3, 23, 30), referral_row=r6, funding="funded",
              scheme="council_fund")
    c4 = case(CaseKind.MEDIATION, datetime(2026, 6, 5, 9), referral_row=r7, closed=datetime(2026, 8, 10, 9),
              outcome="not_resolved", funding="funded", scheme="housing_trust")
    c5 = case(CaseKind.COACHING, datetime(2026, 9, 15, 9), closed=datetime(2026, 9, 25, 9), outcome="withdrawn",
              allowance=2, dispute="family")
    c6 = case(CaseKind.COACHING, datetime(2026, 6, 1, 9), closed=datetime(2026, 7, 30, 9))

    a, b = add_party(c1, name="Ann"), add_party(c1, name="Bob")
    ConsentEvent.create(party=a, state=ConsentState.GIVEN, occurred_on=date(2026, 7, 15), reason="SECRET REASON")
    ConsentEvent.create(party=b, state=ConsentState.GIVEN, occurred_on=date(2026, 7, 17))
    cat = add_party(c2, name="Cat", fee_pence=5000, fee_paid=True)
    dan = add_party(c2, name="Dan", fee_pence=3000, fee_paid=False)
    ConsentEvent.create(party=dan, state=ConsentState.GIVEN, occurred_on=date(2026, 8, 5))
    eve = add_party(c3, name="Eve")
    ConsentEvent.create(party=eve, state=ConsentState.DECLINED, occurred_on=date(2026, 7, 10))
    fay, gus = add_party(c5, name="Fay"), add_party(c4, name="Gus")

    def feedback(party, invited, answered=None, **answers):
        FeedbackRequest.create(case=party.case_id, party=party, token_hash=f"report-{party.name}", created_at=invited,
                               expires_at=datetime(2026, 12, 31), answered_at=answered,
                               comment=f"SECRET FEEDBACK COMMENT of {party.name}" if answered else "", **answers)

    feedback(a, datetime(2026, 9, 20, 12), datetime(2026, 9, 22, 10), satisfaction=Satisfaction.VERY_SATISFIED,
             helped=FeedbackHelped.YES, situation=FeedbackSituation.BETTER)
    feedback(b, datetime(2026, 9, 20, 12), datetime(2026, 10, 2, 10), satisfaction=Satisfaction.SATISFIED,
             helped=FeedbackHelped.YES, situation=FeedbackSituation.BETTER)
    feedback(fay, datetime(2026, 9, 25, 9))
    feedback(gus, datetime(2026, 8, 10, 9), datetime(2026, 8, 15, 9), satisfaction=Satisfaction.DISSATISFIED,
             helped=FeedbackHelped.PARTLY)
    feedback(dan, datetime(2026, 9, 1, 9), datetime(2026, 9, 3, 9), satisfaction=Satisfaction.PREFER_NOT_TO_SAY,
             helped=FeedbackHelped.NO, situation=FeedbackSituation.WORSE)

    CoachingOutcome.create(case=c5, goals_met=GoalsMet.PARTLY)
    CoachingOutcome.create(case=c2, goals_met=GoalsMet.FULLY)
    assert c6.closed_at  # closed with none recorded

    def equality(party, age, gender, ethnicity, disability, language):
        EqualityAnswers.create(party=party, age_band=age, gender=gender, ethnicity=ethnicity, disability=disability,
                               first_language=language, source=EqualitySource.PARTY)

    equality(a, AgeBand.AGE_25_34, Gender.WOMAN, Ethnicity.WHITE, Disability.NO, FirstLanguage.ENGLISH)
    equality(b, AgeBand.AGE_35_44, Gender.MAN, Ethnicity.PREFER_NOT_TO_SAY, None, FirstLanguage.ENGLISH)
    equality(cat, AgeBand.AGE_25_34, Gender.WOMAN, Ethnicity.ASIAN, Disability.YES, FirstLanguage.OTHER)
    equality(dan, AgeBand.PREFER_NOT_TO_SAY, Gender.MAN, Ethnicity.WHITE, Disability.NO, None)
    equality(fay, AgeBand.AGE_25_34, Gender.WOMAN, Ethnicity.WHITE, Disability.NO, FirstLanguage.WELSH)
    equality(gus, AgeBand.AGE_75_PLUS, Gender.NON_BINARY, Ethnicity.BLACK, Disability.YES, FirstLanguage.WELSH)

    def session(on, when, kind, mode, status, minutes, coaches):
        make_session(on, coaches=coaches, starts_at=when, kind=kind, mode=mode, status=status,
                     duration_minutes=minutes)

    session(c1, datetime(2026, 7, 20, 10), "pre_mediation", "face_to_face", "held", 60, [k1])
    session(c1, datetime(2026, 8, 20, 10), "joint_mediation", "face_to_face", "held", 120, [k1, k2])
    session(c1, datetime(2026, 8, 27, 10), "joint_mediation", "online", "did_not_attend", 90, [k1])
    session(c2, datetime(2026, 8, 10, 10), "coaching", "telephone", "held", 60, [k2])
    session(c2, datetime(2026, 8, 17, 10), "coaching", "telephone", "held", 45, [k2])
    session(c2, datetime(2026, 8, 24, 10), "coaching", "online", "cancelled", 60, [k2])
    session(c2, datetime(2026, 10, 5, 10), "coaching", "telephone", "held", 60, [k2])
    session(c5, datetime(2026, 9, 16, 10), "coaching", "online", "held", 45, [k1])

    make_concern(c1, k1, level="high", category="risk_to_self", created_at=datetime(2026, 7, 25, 9),
                 description="SECRET CONCERN")
    make_concern(c2, k2, level="immediate", category="domestic_abuse", created_at=datetime(2026, 8, 12, 9))
    make_concern(c2, k2, level="low", category="domestic_abuse", created_at=datetime(2026, 9, 1, 9))
    make_concern(c1, k1, level="medium", category="child_protection", created_at=datetime(2026, 5, 1, 9))

    make_agreement(c1, k1, AgreementState.FINAL, finalised_at=datetime(2026, 8, 25, 9),
                   reviewed_on=date(2026, 9, 25), review_outcome="kept", other_terms="SECRET TERMS")
    make_agreement(c4, k1, AgreementState.SUPERSEDED, finalised_at=datetime(2026, 4, 1, 9),
                   reviewed_on=date(2026, 7, 20), review_outcome="partly_kept")
    make_agreement(c4, k1, AgreementState.FINAL, version=2, finalised_at=datetime(2026, 7, 5, 9),
                   reviewed_on=date(2026, 10, 2), review_outcome="not_kept")
    make_agreement(c3, k1, AgreementState.DRAFT)
    return coordinator


def rows_of(client, name, query=Q3):
    response = client.get(f"/reports/{name}.csv?{query}")
    assert response.status_code == 200, response.status
    assert response.mimetype == "text/csv"
    reader = list(csv.reader(io.StringIO(response.get_data().decode("utf-8"))))
    return reader[0], [row[2:] for row in reader[1:]], {tuple(row[:2]) for row in reader[1:]}


# Every cell of every section, counted by hand from the table in the module's docstring.
EXPECTED = {
    "referrals_by_source": (["Source", "Referrals received", "Became cases"], [
        ["Self-referral", "2", "1"], ["Agency", "3", "2"], ["Total", "5", "3"]]),
    "referrals_by_agency_kind": (["Kind of agency", "Referrals received", "Became cases"], [
        ["Housing provider", "2", "2"], ["Employer", "0", "0"], ["Police", "1", "0"],
        ["GP or health service", "0", "0"], ["Social care", "0", "0"], ["School or college", "0", "0"],
        ["Local council", "0", "0"], ["Another organisation", "0", "0"], ["Total", "3", "2"]]),
    "referrals_by_dispute_type": (["Dispute type", "Referrals received", "Became cases"], [
        ["Neighbour", "3", "3"], ["Workplace", "1", "0"], ["Family", "1", "0"], ["Other", "0", "0"],
        ["Total", "5", "3"]]),
    "referrals_by_urgency": (["Urgency", "Referrals received", "Became cases"], [
        ["Routine", "3", "2"], ["Soon", "1", "0"], ["Urgent", "1", "1"], ["Total", "5", "3"]]),
    # Closed: C1, C4 (mediation), C5, C6 (coaching; C6 opened in June).
    "cases_by_kind": (["Kind", "Opened", "Closed"], [
        ["Mediation", "2", "2"], ["One-to-one coaching", "2", "2"], ["Total", "4", "4"]]),
    "case_outcomes": (["Outcome", "Mediation", "One-to-one coaching"], [
        ["Resolved", "1", "0"], ["Partly resolved", "0", "0"], ["Not resolved", "1", "0"], ["Withdrawn", "0", "1"],
        ["Not suitable", "0", "0"], ["No outcome recorded", "0", "1"], ["Total", "2", "2"]]),
    "sessions_by_kind": (["Kind of session", "Held", "Party did not attend", "Cancelled", "Hours held"], [
        ["Pre-mediation meeting", "1", "0", "0", "1.0"], ["Joint mediation", "1", "1", "0", "2.0"],
        ["One-to-one coaching", "3", "0", "1", "2.5"], ["Post-mediation coaching", "0", "0", "0", "0.0"],
        ["Total", "5", "1", "1", "5.5"]]),
    "sessions_by_mode": (["Mode", "Held", "Party did not attend", "Cancelled", "Hours held"], [
        ["Face to face", "2", "0", "0", "3.0"], ["Online", "1", "1", "1", "0.8"], ["Telephone", "2", "0", "0", "1.8"],
        ["Home visit", "0", "0", "0", "0.0"], ["Community venue", "0", "0", "0", "0.0"],
        ["Total", "5", "1", "1", "5.5"]]),
    # First contact: 2, 1, 4 and 3 days. Consent: C1 15 Jul less 10 Jul 09:00 = 4.625 days, C2
    # 5 Aug less 1 Aug 10:00 = 3.583 (C3's party declined). First session: C1 10.042 days, C2 9.
    "waiting_times": (["Wait", "Referrals counted", "Median (days)", "90th percentile (days)"], [
        ["Referral to first contact", "4", "2.5", "3.7"], ["Referral to consent", "2", "4.1", "4.5"],
        ["Referral to first session", "2", "9.5", "9.9"]]),
    "funding": (["Funding", "Cases opened", "Fees charged (£)", "Fees paid (£)"], [
        ["Council fund", "2", "0.00", "0.00"], ["Housing trust", "0", "0.00", "0.00"],
        ["Self-funded", "1", "80.00", "50.00"], ["Funding not yet recorded", "1", "0.00", "0.00"],
        ["Total", "4", "80.00", "50.00"]]),
    "coaching_allowance": (["Allowance", "Coaching cases opened", "Sessions held", "Sessions allowed"], [
        ["No session held yet", "0", "0", "0"], ["Some of the allowance used", "1", "1", "2"],
        ["All of the allowance used", "1", "3", "3"], ["More than the allowance", "0", "0", "0"],
        ["Total", "2", "4", "5"]]),
    # Prep 30 minutes per coach per held session: S1 (1 coach), S2 (2), S4, S5, S8 (1 each).
    "volunteer_hours": (["Kind of session", "Coaches at held sessions", "Session hours", "Preparation hours",
                         "Total hours"], [
        ["Pre-mediation meeting", "1", "1.0", "0.5", "1.5"], ["Joint mediation", "2", "4.0", "1.0", "5.0"],
        ["One-to-one coaching", "3", "2.5", "1.5", "4.0"], ["Post-mediation coaching", "0", "0.0", "0.0", "0.0"],
        ["Total", "6", "7.5", "3.0", "10.5"]]),
    "safeguarding": (["Category", "Immediate", "High", "Medium", "Low"], [
        ["Risk to self", "0", "1", "0", "0"], ["Risk to others", "0", "0", "0", "0"],
        ["Child protection", "0", "0", "0", "0"], ["Domestic abuse", "1", "0", "0", "1"],
        ["Adult at risk", "0", "0", "0", "0"], ["Other", "0", "0", "0", "0"], ["Total", "1", "1", "0", "1"]]),
    "agreements": (["Agreements", "Agreements"], [
        ["Agreements made", "2"], ["Agreements reviewed", "2"], ["Review found: kept", "1"],
        ["Review found: partly kept", "1"], ["Review found: not kept", "0"], ["Review found: changed", "0"]]),
    # Invited in the period: F1, F2 (20 Sep), F3 (25 Sep), F4 (10 Aug), F5 (1 Sep) = 5. Answered in
    # it: F1 (22 Sep), F4 (15 Aug), F5 (3 Sep) = 3; F2 answered on 2 October, outside.
    "feedback": (["Feedback", "Forms"], [["Invited to give feedback", "5"], ["Feedback forms answered", "3"]]),
    # The answers of F1, F4 and F5 (F2's are October's).
    "feedback_satisfaction": (["Answer", "Answers"], [
        ["Very satisfied", "1"], ["Satisfied", "0"], ["Neither satisfied nor dissatisfied", "0"],
        ["Dissatisfied", "1"], ["Very dissatisfied", "0"], ["Prefer not to say", "1"], ["Total", "3"]]),
    "feedback_helped": (["Answer", "Answers"], [
        ["Yes", "1"], ["Partly", "1"], ["No", "1"], ["Prefer not to say", "0"], ["Total", "3"]]),
    # F4 left it blank: two answers.
    "feedback_situation": (["Answer", "Answers"], [
        ["Better", "1"], ["About the same", "0"], ["Worse", "1"], ["Prefer not to say", "0"], ["Total", "2"]]),
    # Coaching cases closed in the period: C5 (partly) and C6 (none recorded); C2 is open.
    "coaching_outcomes": (["Goals met", "Coaching cases closed"], [
        ["Goals met fully", "0"], ["Goals met partly", "1"], ["Goals not met", "0"], ["No outcome recorded", "1"],
        ["Total", "2"]]),
    # Equality: the six parties on C1, C2, C3 and C5 (Gus's C4 opened in June), always with the
    # small-number rule: every count here is 1 to 3 ("fewer than 5"), the totals 6 (rounded: 5).
    # The exact counts are checked on the queries below.
    "equality_age_band": (["Answer", "Parties"], [
        ["Under 18", "0"], ["18 to 24", "0"], ["25 to 34", "fewer than 5"], ["35 to 44", "fewer than 5"],
        ["45 to 54", "0"], ["55 to 64", "0"], ["65 to 74", "0"], ["75 or over", "0"],
        ["Prefer not to say", "fewer than 5"], ["Not answered", "fewer than 5"], ["Total", "5"]]),
    "equality_gender": (["Answer", "Parties"], [
        ["Woman", "fewer than 5"], ["Man", "fewer than 5"], ["Non-binary", "0"], ["In another way", "0"],
        ["Prefer not to say", "0"], ["Not answered", "fewer than 5"], ["Total", "5"]]),
    "equality_ethnicity": (["Answer", "Parties"], [
        ["Asian, Asian British or Asian Welsh", "fewer than 5"],
        ["Black, Black British, Black Welsh, Caribbean or African", "0"], ["Mixed or multiple ethnic groups", "0"],
        ["White", "fewer than 5"], ["Another ethnic group", "0"], ["Prefer not to say", "fewer than 5"],
        ["Not answered", "fewer than 5"], ["Total", "5"]]),
    "equality_disability": (["Answer", "Parties"], [
        ["Yes", "fewer than 5"], ["No", "fewer than 5"], ["Prefer not to say", "0"], ["Not answered", "fewer than 5"],
        ["Total", "5"]]),
    "equality_first_language": (["Answer", "Parties"], [
        ["English", "fewer than 5"], ["Welsh", "fewer than 5"], ["Another language", "fewer than 5"],
        ["Prefer not to say", "0"], ["Not answered", "fewer than 5"], ["Total", "5"]]),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_cell_of_every_section(app, service, name):
    client = enter_as(app.test_client(), service)
    header, rows, periods = rows_of(client, name)
    assert header[:2] == ["From", "To"]
    assert [header[2:], rows] == list(EXPECTED[name])
    assert periods == {("2026-07-01", "2026-09-30")}


def test_the_page_shows_the_same_cells_and_a_chart_with_its_numbers_in_words(app, service):
    client = enter_as(app.test_client(), service)
    html = client.get(f"/reports?{Q3}").get_data(as_text=True)
    assert "<h2 id=\"report-heading\">From 1 July 2026 to 30 September 2026</h2>" in html
    assert ('<tr><th scope="row">Self-funded</th><td class="number">1</td><td class="number">80.00</td>'
            '<td class="number">50.00</td></tr>') in html
    assert ('<desc id="chart-referrals_by_source-desc">Self-referral: 2; Agency: 3.</desc>') in html
    assert html.count("<svg role=\"img\"") == 23  # every section but the waiting times (no counts to draw)
    assert html.count("(CSV)</a>") == len(EXPECTED)
    assert "Download the whole report (PDF)" in html


def test_nothing_anyone_wrote_is_in_the_report(app, service):
    client = enter_as(app.test_client(), service)
    found = [client.get(f"/reports?{Q3}").get_data(as_text=True)]
    found += [client.get(f"/reports/{name}.csv?{Q3}").get_data(as_text=True) for name in EXPECTED]
    assert not [text for text in found if "SECRET" in text]


def test_the_pdf_holds_every_section_as_text(app, service):
    from pypdf import PdfReader
    client = enter_as(app.test_client(), service)
    response = client.get(f"/reports/report.pdf?{Q3}&kind=mediation")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        "attachment; filename=accord-report-2026-07-01-to-2026-09-30.pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Report from 1 July 2026 to 30 September 2026" in text
    assert "Only: Kind Mediation." in text
    assert "Volunteer coach hours" in text and "Waiting times" in text and "SECRET" not in text
    catalog = reader.trailer["/Root"]  # tagged, with its language and title, as the agreement PDF
    assert catalog["/MarkInfo"]["/Marked"] and catalog["/Lang"] == "en-GB"
    assert catalog["/StructTreeRoot"].get_object()["/Type"] == "/StructTreeRoot"
    assert reader.metadata.title.endswith("report from 1 July 2026 to 30 September 2026")


# --- the small-number rule ----------------------------------------------------------------------

def test_sharing_outside_the_service_hides_small_counts_and_what_would_give_them_away(app, service):
    client = enter_as(app.test_client(), service)
    _, rows, _ = rows_of(client, "referrals_by_source", f"{Q3}&sharing=y")
    assert rows == [["Self-referral", "fewer than 5", "fewer than 5"],
                    ["Agency", "fewer than 5", "fewer than 5"], ["Total", "5", "fewer than 5"]]
    _, rows, _ = rows_of(client, "funding", f"{Q3}&sharing=y")
    assert rows[2] == ["Self-funded", "fewer than 5", "not shown", "not shown"]
    assert rows[4] == ["Total", "fewer than 5", "not shown", "not shown"]
    _, rows, _ = rows_of(client, "waiting_times", f"{Q3}&sharing=y")
    assert rows[0] == ["Referral to first contact", "fewer than 5", "not shown", "not shown"]
    html = client.get(f"/reports?{Q3}&sharing=y").get_data(as_text=True)
    assert "Self-referral: fewer than 5; Agency: fewer than 5." in html


@pytest.mark.parametrize(("value", "shown"), [(0, "0"), (1, "fewer than 5"), (4, "fewer than 5"), (5, "5"),
                                              (7, "5"), (8, "10"), (12, "10"), (13, "15"), (102, "100")])
def test_counts_shared_outside_are_rounded_to_fives(value, shown):
    assert cell_text(value, Column("n"), sharing=True) == shown
    assert cell_text(value, Column("n"), sharing=False) == str(value)


def test_sums_shared_outside_are_rounded_or_hidden_with_their_rows_count():
    hours = Column("h", kind="sum", scale=60, places=1)
    assert cell_text(13 * 60, hours, sharing=True, row_count=6) == "15.0"
    assert cell_text(12 * 60, hours, sharing=True, row_count=6) == "10.0"
    assert cell_text(12 * 60, hours, sharing=True, row_count=3) == "not shown"
    assert cell_text(12 * 60 + 30, hours, sharing=False, row_count=3) == "12.5"


# --- the period's edges and the quick choices -----------------------------------------------------

def test_a_referral_received_late_on_the_last_day_counts_and_just_after_midnight_does_not(app, service):
    client = enter_as(app.test_client(), service)
    # R4 (23:30 on 30 September there) is in the third quarter; R5 (00:10 on 1 October) is not.
    _, rows, _ = rows_of(client, "referrals_by_dispute_type", "date_from=2026-09-30&date_to=2026-09-30")
    assert rows[2] == ["Family", "1", "0"]
    _, rows, _ = rows_of(client, "referrals_by_dispute_type", "date_from=2026-10-01&date_to=2026-10-01")
    assert rows[2] == ["Family", "1", "0"]
    # R6, 23:30 UTC on 30 June, is 00:30 on 1 July there: July's, not June's.
    _, rows, _ = rows_of(client, "referrals_by_urgency", "date_from=2026-07-01&date_to=2026-07-01")
    assert rows[0] == ["Routine", "1", "1"]
    _, rows, _ = rows_of(client, "referrals_by_urgency", "date_from=2026-06-30&date_to=2026-06-30")
    assert rows[0] == ["Routine", "0", "0"]


@pytest.mark.parametrize(("name", "today", "first", "last"), [
    ("last_quarter", date(2026, 12, 1), date(2026, 7, 1), date(2026, 9, 30)),
    ("last_quarter", date(2026, 1, 15), date(2025, 10, 1), date(2025, 12, 31)),
    ("last_quarter", date(2026, 4, 1), date(2026, 1, 1), date(2026, 3, 31)),
    ("this_month", date(2026, 2, 10), date(2026, 2, 1), date(2026, 2, 28)),
    ("last_month", date(2026, 1, 10), date(2025, 12, 1), date(2025, 12, 31)),
    ("this_financial_year", date(2026, 12, 1), date(2026, 4, 1), date(2027, 3, 31)),
    ("this_financial_year", date(2026, 3, 31), date(2025, 4, 1), date(2026, 3, 31)),
    ("last_financial_year", date(2026, 4, 1), date(2025, 4, 1), date(2026, 3, 31)),
])
def test_quick_choices(app, name, today, first, last):
    with app.app_context():
        period = quick_period(name, today)
    assert (period.first_day, period.last_day) == (first, last)


def test_the_financial_year_starts_in_the_configured_month(app):
    with app.app_context():
        assert quick_period("this_financial_year", date(2026, 12, 1), 1).first_day == date(2026, 1, 1)
        period = quick_period("last_quarter", date(2026, 12, 1), 1)
    assert (period.first_day, period.last_day) == (date(2026, 7, 1), date(2026, 9, 30))


def test_the_page_opens_on_the_last_full_quarter(app, service, monkeypatch):
    monkeypatch.setattr("portal.reports.view.local_today", lambda: date(2026, 11, 3))
    client = enter_as(app.test_client(), service)
    html = client.get("/reports").get_data(as_text=True)
    assert "From 1 July 2026 to 30 September 2026" in html
    assert 'value="2026-07-01"' in html and 'value="2026-09-30"' in html
    monkeypatch.setattr("portal.reports.view.local_today", lambda: date(2026, 10, 15))
    html = client.get("/reports?period=this_month").get_data(as_text=True)
    assert "From 1 October 2026 to 31 October 2026" in html


# --- filters ------------------------------------------------------------------------------------

def test_filters(app, service):
    client = enter_as(app.test_client(), service)
    _, rows, _ = rows_of(client, "cases_by_kind", f"{Q3}&kind=coaching")
    assert rows == [["Mediation", "0", "0"], ["One-to-one coaching", "2", "2"], ["Total", "2", "2"]]
    # A referral counts under a kind through the case it became.
    _, rows, _ = rows_of(client, "referrals_by_source", f"{Q3}&kind=coaching")
    assert rows == [["Self-referral", "0", "0"], ["Agency", "1", "1"], ["Total", "1", "1"]]
    _, rows, _ = rows_of(client, "funding", f"{Q3}&funding_scheme=council_fund")
    assert [row[:2] for row in rows] == [["Council fund", "2"], ["Housing trust", "0"], ["Self-funded", "0"],
                                         ["Funding not yet recorded", "0"], ["Total", "2"]]
    _, rows, _ = rows_of(client, "referrals_by_urgency", f"{Q3}&dispute_type=workplace")
    assert rows == [["Routine", "0", "0"], ["Soon", "1", "0"], ["Urgent", "0", "0"], ["Total", "1", "0"]]
    # C5 came from no referral: a referral source leaves it out. C1 (R1) opened and closed; C4
    # (R7, received before the period) closed.
    _, rows, _ = rows_of(client, "cases_by_kind", f"{Q3}&referral_source=self")
    assert rows == [["Mediation", "1", "2"], ["One-to-one coaching", "0", "0"], ["Total", "1", "2"]]
    _, rows, _ = rows_of(client, "sessions_by_kind", f"{Q3}&referral_source=agency")
    assert rows[2] == ["One-to-one coaching", "2", "0", "1", "1.8"]


# --- the form -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "message"), [
    ("date_from=2026-09-30&date_to=2026-07-01", "The To date must be the same as or after the From date."),
    ("date_from=2026-07-01", "Enter the To date, or choose a period."),
    ("date_to=2026-07-01", "Enter the From date, or choose a period."),
    ("date_from=31%2F02%2F2026&date_to=2026-07-01", "Enter the date as day/month/year, for example 21/11/2026."),
    (f"{Q3}&kind=nonsense", "Not a valid choice."),
    (f"{Q3}&sharing=yes", "Tick the box, or leave it empty."),
    ("date_from=2000-01-01&date_to=2026-07-01", "Choose a period of at most ten years."),
])
def test_the_form_refuses_what_it_cannot_use(app, service, query, message):
    client = enter_as(app.test_client(), service)
    response = client.get(f"/reports?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html and message in html
    assert "report-heading" not in html
    assert client.get(f"/reports/funding.csv?{query}").status_code == 404


def test_an_unknown_period_or_section_is_not_found(app, service):
    client = enter_as(app.test_client(), service)
    assert client.get("/reports?period=next_century").status_code == 404
    assert client.get("/reports/nothing.csv").status_code == 404


# --- who may see it -----------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["/reports", "/reports/funding.csv", "/reports/report.pdf"])
@pytest.mark.parametrize(("role", "status"), [(Role.COORDINATOR, 200), (Role.COACH, 403), (Role.PARTY, 403)])
def test_coordinators_only(app, address, role, status):
    assert enter_as(app.test_client(), make_user(role)).get(address).status_code == status


@pytest.mark.parametrize("address", ["/reports", "/reports/funding.csv", "/reports/report.pdf"])
def test_an_anonymous_visitor_is_sent_to_sign_in(app, address):
    response = app.test_client().get(address)
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]


def test_only_coordinators_have_the_link(app):
    coordinator = enter_as(app.test_client(), make_user(Role.COORDINATOR)).get("/coordinator")
    coach = enter_as(app.test_client(), make_user(Role.COACH)).get("/coach")
    assert ">Reports</a>" in coordinator.get_data(as_text=True)
    assert ">Reports</a>" not in coach.get_data(as_text=True)


def test_the_funding_scheme_choices_are_the_services_list_retired_entries_too(app, service):
    html = enter_as(app.test_client(), service).get(f"/reports?{Q3}").get_data(as_text=True)
    assert '<option value="council_fund">Council fund</option>' in html
    assert '<option value="housing_trust">Housing trust</option>' in html
    assert Case.select().count() == 6 and Agreement.select().count() == 4


@pytest.mark.parametrize(("role", "active", "allowed"), [
    (Role.COORDINATOR, True, True), (Role.COORDINATOR, False, False), (Role.COACH, True, False),
    (Role.PARTY, True, False)])
def test_the_policy_gives_reports_to_active_coordinators_only(app, role, active, allowed):
    from portal import policy
    assert policy.can_view_reports(make_user(role, active=active).actor()) is allowed


def test_a_section_can_keep_the_small_number_rule_on_inside_the_service():
    """Equality monitoring is always shown with the rule: one flag on its section."""
    from dataclasses import replace

    from portal.reports.sections import BY_NAME, build_table
    section = replace(BY_NAME["cases_by_kind"], always_shared=True)
    table = build_table(section, {"mediation": (3, 12)}, [("mediation", "Mediation")], sharing=False)
    assert table.rows[0][1] == ["fewer than 5", "10"] and table.total == ["fewer than 5", "10"]


# --- feedback, coaching outcomes and equality monitoring ---------------------------------------------

def q3_scope(app, **filters):
    with app.app_context():
        period = Period(date(2026, 7, 1), date(2026, 9, 30))
        return queries.ReportScope(start=period.start, end=period.end, first_day=period.first_day,
                                   last_day=period.last_day, **filters)


def test_the_equality_queries_count_exactly_what_the_page_rounds(app, service):
    """The counts behind the always-shared tables, by hand from the docstring's table: Ann, Bob,
    Cat, Dan, Eve (no answers), Fay; not Gus (C4 opened in June)."""
    scope = q3_scope(app)
    assert queries.equality_age_band(scope) == {"25_34": (3,), "35_44": (1,), "prefer_not_to_say": (1,),
                                                "not_answered": (1,)}
    assert queries.equality_gender(scope) == {"woman": (3,), "man": (2,), "not_answered": (1,)}
    assert queries.equality_ethnicity(scope) == {"asian": (1,), "white": (3,), "prefer_not_to_say": (1,),
                                                 "not_answered": (1,)}
    # Bob left disability blank, Dan first language: "not answered" with Eve.
    assert queries.equality_disability(scope) == {"yes": (1,), "no": (3,), "not_answered": (2,)}
    assert queries.equality_first_language(scope) == {"english": (2,), "welsh": (1,), "other": (1,),
                                                      "not_answered": (2,)}


def test_the_filters_apply_to_feedback_outcomes_and_equality_through_the_case(app, service):
    # Coaching: C2 (Cat, Dan) and C5 (Fay). F3 (Fay) and F5 (Dan) invited, F5 answered.
    coaching = q3_scope(app, kind=CaseKind.COACHING)
    assert queries.equality_gender(coaching) == {"woman": (2,), "man": (1,)}
    assert queries.feedback_invited_and_answered(coaching) == {"invited": (2,), "answered": (1,)}
    assert queries.feedback_satisfaction(coaching) == {"prefer_not_to_say": (1,)}
    # Self-referred: C1 (R1) and C4 (R7): F1, F2 and F4 invited; F1 and F4 answered in the period.
    self_referred = q3_scope(app, referral_source="self")
    assert queries.feedback_invited_and_answered(self_referred) == {"invited": (3,), "answered": (2,)}
    assert queries.feedback_helped(self_referred) == {"yes": (1,), "partly": (1,)}
    # Family disputes: C5 alone of the coaching cases closed (C6 is a neighbour dispute).
    assert queries.coaching_outcomes(q3_scope(app, dispute_type="family")) == {"partly": (1,)}
    assert queries.coaching_outcomes(q3_scope(app)) == {"partly": (1,), "no_outcome": (1,)}
    client = enter_as(app.test_client(), service)
    _, rows, _ = rows_of(client, "feedback", f"{Q3}&kind=coaching")
    assert rows == [["Invited to give feedback", "2"], ["Feedback forms answered", "1"]]
    _, rows, _ = rows_of(client, "coaching_outcomes", f"{Q3}&kind=mediation")
    assert rows == [["Goals met fully", "0"], ["Goals met partly", "0"], ["Goals not met", "0"],
                    ["No outcome recorded", "0"], ["Total", "0"]]
    # Council fund: C1 (Ann, Bob) and C3 (Eve): Ann and Bob say English, Eve said nothing.
    assert queries.equality_first_language(q3_scope(app, funding_scheme="council_fund")) == {
        "english": (2,), "not_answered": (1,)}


def test_feedback_answered_in_a_period_counts_whenever_it_was_invited(app, service):
    client = enter_as(app.test_client(), service)
    # October: F2, invited on 20 September, answered on 2 October.
    _, rows, _ = rows_of(client, "feedback", "date_from=2026-10-01&date_to=2026-10-31")
    assert rows == [["Invited to give feedback", "0"], ["Feedback forms answered", "1"]]
    _, rows, _ = rows_of(client, "feedback_satisfaction", "date_from=2026-10-01&date_to=2026-10-31")
    assert rows[1] == ["Satisfied", "1"] and rows[-1] == ["Total", "1"]


def test_equality_keeps_the_small_number_rule_on_inside_the_service(app, service):
    """White: Ann, Dan and Fay, 3, read "fewer than 5" on the page, its chart and the CSV, though
    the report is not for sharing outside; feedback's 3 answers are shown as they are."""
    client = enter_as(app.test_client(), service)
    html = client.get(f"/reports?{Q3}").get_data(as_text=True)
    assert '<tr><th scope="row">White</th><td class="number">fewer than 5</td></tr>' in html
    assert "White: fewer than 5;" in html
    assert '<tr><th scope="row">Total</th><td class="number">3</td></tr>' in html  # feedback answers
    _, rows, _ = rows_of(client, "equality_ethnicity")
    assert rows[3] == ["White", "fewer than 5"]


def test_the_pdf_has_the_new_sections_and_no_feedback_words(app, service):
    from pypdf import PdfReader
    client = enter_as(app.test_client(), service)
    reader = PdfReader(io.BytesIO(client.get(f"/reports/report.pdf?{Q3}").get_data()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Feedback: satisfaction with the service" in text and "Equality monitoring: ethnicity" in text
    assert "Outcomes of the coaching cases closed" in text
    assert "SECRET" not in text and "FEEDBACK COMMENT" not in text


def test_coaching_allowance_counts_cases_with_no_session_held_and_over_their_allowance(app, service):
    """Two more coaching cases opened in September: C7 (allowance 1) with only a cancelled
    session, and C8 (allowance 1) with two held. With C2 (3 of 3 held, one of them in October)
    and C5 (1 of 2): one case in each row."""
    coach = make_user(Role.COACH)
    c7 = case(CaseKind.COACHING, datetime(2026, 9, 1, 9), allowance=1)
    make_session(c7, coaches=[coach], starts_at=datetime(2026, 9, 8, 10), status="cancelled")
    c8 = case(CaseKind.COACHING, datetime(2026, 9, 2, 9), allowance=1)
    for day in (9, 16):
        make_session(c8, coaches=[coach], starts_at=datetime(2026, 9, day, 10), status="held")
    assert queries.coaching_allowance_use(q3_scope(app)) == {
        "none_held": (1, 0, 1), "some_held": (1, 1, 2), "all_held": (1, 3, 3), "over_allowance": (1, 2, 1)}


def test_each_download_is_in_the_audit_trail_and_the_page_is_not(app, service):
    client = enter_as(app.test_client(), service)
    before = AuditEvent.select().count()
    assert client.get(f"/reports?{Q3}").status_code == 200
    assert AuditEvent.select().count() == before
    assert client.get(f"/reports/funding.csv?{Q3}&kind=coaching&sharing=y").status_code == 200
    assert client.get(f"/reports/report.pdf?{Q3}").status_code == 200
    rows = list(AuditEvent.select().where(AuditEvent.id > before).order_by(AuditEvent.id))
    assert [(row.event, row.actor_id, row.detail) for row in rows] == [
        ("reports.downloaded", service.id,
         "download=funding from=2026-07-01 to=2026-09-30 kind=coaching sharing=yes"),
        ("reports.downloaded", service.id, "download=pdf from=2026-07-01 to=2026-09-30 sharing=no"),
    ]
