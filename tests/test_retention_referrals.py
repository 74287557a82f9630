"""Retention of referrals that never became a case: a declined referral is anonymised its
retention period after it was declined (the longer one if the referrer told of a safety worry),
with the people's details and the emails sent to them; codes and dates stay for the reports.
Referrals still waiting, accepted, or declined too recently keep every word."""

from datetime import timedelta

import pytest

from portal import retention
from portal.models import AuditEvent, OutboxMessage, Referral, ReferralPerson, utcnow
from portal.vocab import MessageKind, MessageState, Role
from tests.conftest import Browser
from tests.factories import make_case, make_user


def referral(tag, *, status="declined", declined_days_ago=10, worry=False):
    """A referral carrying `tag` in every word retention removes, with one person and an email
    sent to them."""
    made = Referral.create(
        reference=f"RF-2026-{tag[-4:]}", source="agency", agency_type="housing", agency_name=f"{tag} Homes",
        referrer_name=f"{tag} Referrer", referrer_contact=f"{tag}@agency.test", dispute_type="neighbour",
        urgency="soon", description=f"About {tag}", safety_worry=f"Worry {tag}" if worry else "",
        status=status, decline_reason=f"Declined {tag}" if status == "declined" else None,
        triaged_at=utcnow() - timedelta(days=declined_days_ago) if status != "new" else None,
        created_at=utcnow() - timedelta(days=declined_days_ago + 2))
    ReferralPerson.create(referral=made, name=f"{tag} Person", email=f"{tag.lower()}@person.test",
                          phone=f"{tag} phone", address=f"{tag} Road", contact_notes=f"{tag} notes")
    OutboxMessage.create(kind=MessageKind.OTHER, recipient=f"{tag.lower()}@person.test", subject="Your referral",
                         body=f"Dear {tag}", state=MessageState.SENT)
    return made


def words_of(tag):
    """Every place the tag was written, as (table, text) pairs still holding it."""
    rows = [("referral", " ".join(str(v) for v in row.values())) for row in Referral.select().dicts()]
    rows += [("person", " ".join(str(v) for v in row.values())) for row in ReferralPerson.select().dicts()]
    rows += [("email", " ".join(str(v) for v in row.values())) for row in OutboxMessage.select().dicts()]
    return sorted({table for table, text in rows if tag in text or tag.lower() in text})


@pytest.fixture
def referrals(app):
    app.config.update(RETENTION_DAYS=5, SAFEGUARDING_RETENTION_DAYS=20)
    made = {
        "old": referral("OLDDECLINED0001"),
        "worry": referral("WORRYDECLINED0002", worry=True),
        "recent": referral("RECENTDECLINED0003", declined_days_ago=1),
        "waiting": referral("WAITINGNEW0004", status="new"),
        "accepted": referral("ACCEPTEDOLD0005", status="accepted"),
    }
    make_case(referral=made["accepted"])
    return made


def run(app):
    with app.app_context():
        return retention.run(utcnow())


def test_a_declined_referral_past_retention_loses_its_words_and_keeps_its_codes(app, referrals):
    assert words_of("OLDDECLINED0001") == ["email", "person", "referral"]
    assert run(app) == retention.Anonymised(cases=0, referrals=1)
    assert words_of("OLDDECLINED0001") == []
    old = Referral.get_by_id(referrals["old"].id)
    assert old.anonymised_at is not None
    assert (old.reference, old.source, old.agency_type, old.dispute_type, old.urgency, old.status) == \
        ("RF-2026-0001", "agency", "housing", "neighbour", "soon", "declined")
    assert old.created_at is not None and old.triaged_at is not None
    assert [p.name for p in old.people] == ["Person"]
    assert OutboxMessage.get(OutboxMessage.subject == "").recipient == "anonymised@invalid"
    for kept in ("WORRYDECLINED0002", "RECENTDECLINED0003", "WAITINGNEW0004", "ACCEPTEDOLD0005"):
        assert words_of(kept) == ["email", "person", "referral"], kept


def test_it_is_audited_once_and_a_second_run_changes_nothing(app, referrals):
    run(app)
    assert [(e.event, e.record_type, e.record_id, e.detail) for e in
            AuditEvent.select().where(AuditEvent.event.startswith("retention."))] == [
        ("retention.referral_anonymised", "Referral", referrals["old"].id, "why=retention people=1")]
    assert run(app) == retention.Anonymised(cases=0, referrals=0)
    assert AuditEvent.select().where(AuditEvent.event.startswith("retention.")).count() == 1


def test_a_safety_worry_keeps_a_declined_referral_for_the_longer_period(app, referrals):
    app.config.update(SAFEGUARDING_RETENTION_DAYS=9)
    assert run(app).referrals == 2
    assert words_of("WORRYDECLINED0002") == []
    assert words_of("RECENTDECLINED0003") == ["email", "person", "referral"]


def test_an_address_another_referral_still_holds_keeps_its_emails(app, referrals):
    ReferralPerson.update(email="olddeclined0001@person.test").where(
        ReferralPerson.referral == referrals["recent"].id).execute()
    run(app)
    assert OutboxMessage.select().where(OutboxMessage.recipient == "olddeclined0001@person.test").count() == 1


def test_the_command_says_what_it_did(app, referrals):
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.output == "0 cases and 1 declined referrals anonymised.\n"


def test_the_retention_page_lists_declined_referrals_due_without_their_words(app, referrals):
    page = Browser(app.test_client()).enter_as(make_user(Role.COORDINATOR)).get("/retention")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # Within 30 days: the old one and the one with a worry (due in 10 days); the recent one is
    # due in 4 days too. Not the waiting or accepted ones.
    section = text[text.index("Declined referrals anonymised"):text.index("Erasure requests")]
    assert [ref for ref in ("RF-2026-0001", "RF-2026-0002", "RF-2026-0003", "RF-2026-0004", "RF-2026-0005")
            if ref in section] == ["RF-2026-0001", "RF-2026-0002", "RF-2026-0003"]
    assert "<td>Yes</td>" in section and "Worry" not in text and "About " not in text


def test_only_coordinators_see_the_list(app, referrals):
    coach = make_user(Role.COACH)
    assert Browser(app.test_client()).enter_as(coach).get("/retention").status_code == 403
    with app.app_context():
        from portal import queries
        assert list(queries.referrals_due_for_anonymising(coach, utcnow(), 5, 20)) == []
