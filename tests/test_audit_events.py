"""What a realistic stretch of work writes to the audit trail: each security-relevant event, by
whom, about which record and from where, and never a word of what anyone wrote."""

from datetime import date
from urllib.parse import urlsplit

import pytest

from portal import audit
from portal.models import AuditEvent, Case, CaseParty, ConcernEvent, Referral, User, utcnow
from portal.notes import service as notes
from portal.safeguarding import service as safeguarding
from portal.vocab import Audience, Role
from tests.apps import links_in
from tests.conftest import Browser
from tests.factories import DEFAULT_PASSWORD, make_user

PUBLIC, STAFF, PARTY = "192.0.2.10", "198.51.100.20", "203.0.113.30"
NEW_PASSWORD = "lantern over the harbour wall"


def browser_from(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Browser(client)


def secret(label):
    """Free text nobody but its readers should ever see, recognisable wherever it turns up."""
    return f"Secret words of the {label} zq7"


SECRET_MARK = "zq7"
TYPED = ("contact notes", "referral description", "safety worry", "decline reason",
         "consent withdrawal", "own withdrawal", "closing note", "reopen reason", "note", "concern",
         "person a concern is about", "when and where", "safeguarding action", "agency", "addendum",
         "sign-off note", "concern reopening")


def referral_form(**changes):
    return {
        "source": "self", "dispute_type": "neighbour", "urgency": "soon", "understood": "y",
        "people-0-name": "Robin Ash", "people-0-email": "robin@example.org",
        "people-0-contact_notes": secret("contact notes"),
        "people-1-name": "Sam Birch", "people-1-phone": "07700 900303",
        "description": secret("referral description"), "safety_worry": secret("safety worry"),
        **changes,
    }


def outbox_link(outbox, address):
    messages = [m for m in outbox() if m["To"] == address]
    assert messages, f"no email to {address}"
    return urlsplit(links_in(messages[-1])[0]).path


@pytest.fixture
def flow(app, outbox):
    """A referral taken, triaged, consented to, allocated, closed and reopened; another declined;
    people invited, deactivated and reactivated; a party's whole account life; a note written; a
    safeguarding concern raised, acted on, corrected, closed and reopened. Returns who and what,
    to check the trail against."""
    started = utcnow().replace(microsecond=0)
    admin = make_user(Role.COORDINATOR, name="Ada Lane", is_admin=True, is_safeguarding_lead=True)
    coach = make_user(Role.COACH, name="Corin Coach")
    public, staff = browser_from(app, PUBLIC), browser_from(app, STAFF)

    assert public.submit("/refer", referral_form()).status_code == 303
    assert public.submit("/refer", referral_form(**{"people-0-email": ""})).status_code == 303
    taken, declined = Referral.select().order_by(Referral.id)

    wrong = {"email": admin.email, "password": "not the password"}
    assert staff.submit("/sign-in", wrong).status_code == 422
    staff.sign_in(admin)
    assert staff.submit(f"/referrals/{taken.reference}", {"decision": "mediation"}).status_code == 303
    assert staff.submit(f"/referrals/{declined.reference}",
                        {"decision": "decline", "reason": secret("decline reason")}).status_code == 303
    case = Case.get(Case.referral == taken)
    robin_party, sam_party = case.parties.order_by(CaseParty.id)
    consent = f"/cases/{case.reference}/parties/{sam_party.id}/consent"
    today = date.today().isoformat()
    assert staff.submit(consent, {"state": "given", "occurred_on": today,
                                  "method": "phone"}).status_code == 303
    assert staff.submit(consent, {"state": "withdrawn", "occurred_on": today,
                                  "reason": secret("consent withdrawal")}).status_code == 303
    assert staff.submit(f"/cases/{case.reference}/coaches", {"coach": str(coach.id)}).status_code == 303

    # Robin's consent, recorded by the coordinator, is what invites Robin to the portal.
    assert staff.submit(f"/cases/{case.reference}/parties/{robin_party.id}/consent",
                        {"state": "given", "occurred_on": today, "method": "phone"}).status_code == 303

    party = browser_from(app, PARTY)
    invitation = outbox_link(outbox, "robin@example.org")
    assert party.submit(invitation, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303
    own = f"/cases/{case.reference}/parties/{robin_party.id}/my-consent"
    assert party.submit(f"{own}/withdraw", {"reason": secret("own withdrawal")},
                        page="/party").status_code == 303
    assert party.submit(f"{own}/confirm", page="/party").status_code == 303

    # The services themselves, as their pages call them (a request context for their links).
    with app.test_request_context():
        note = notes.write(case, coach, notes.NoteInput(body=secret("note"), audience=Audience.STAFF),
                           remote_addr=STAFF)
        concern = safeguarding.raise_concern(
            case, by=coach, category="risk_to_others", level="high", description=secret("concern"),
            about_other_person=secret("person a concern is about"), occurred_at=secret("when and where"),
            remote_addr=STAFF)
        safeguarding.record_action(concern, text=secret("safeguarding action"), agency=secret("agency"),
                                   agency_reference="REF-1", action_on=date.today(), by=admin,
                                   remote_addr=STAFF)
        safeguarding.add_addendum(concern, text=secret("addendum"), by=admin, remote_addr=STAFF)
        safeguarding.close(concern, outcome="advice_given", sign_off_note=secret("sign-off note"),
                           by=admin, remote_addr=STAFF)
        safeguarding.reopen(concern, reason=secret("concern reopening"), by=admin, remote_addr=STAFF)

    assert staff.submit(f"/cases/{case.reference}/close",
                        {"outcome": "resolved", "closing_note": secret("closing note")}).status_code == 303
    assert staff.submit(f"/cases/{case.reference}/reopen",
                        {"reason": secret("reopen reason")}).status_code == 303
    assert staff.submit("/admin/people/invite", {"name": "Nia Newcoach", "email": "nia@example.org",
                                                 "role": Role.COACH}).status_code == 303
    nia = User.by_email("nia@example.org").get()
    assert staff.submit(f"/admin/people/{nia.id}/deactivate", page="/admin/people").status_code == 303
    assert staff.submit(f"/admin/people/{nia.id}/reactivate", page="/admin/people").status_code == 303

    robin = User.by_email("robin@example.org").get()
    assert party.submit("/account/password", {"current_password": NEW_PASSWORD, "password": DEFAULT_PASSWORD,
                                              "confirm": DEFAULT_PASSWORD}).status_code == 303
    assert party.sign_out().status_code == 303
    assert party.submit("/password/forgot", {"email": robin.email}).status_code == 200
    return dict(admin=admin, coach=coach, case=case, taken=taken, declined=declined, robin=robin,
                robin_party=robin_party, sam_party=sam_party, nia=nia, note=note, concern=concern,
                started=started, ended=utcnow())


def trail():
    return list(AuditEvent.select().order_by(AuditEvent.id))


def find(event, **where):
    """The one audit row of this kind whose columns have these values."""
    rows = [r for r in trail() if r.event == event and all(getattr(r, k) == v for k, v in where.items())]
    assert len(rows) == 1, (event, where, [(r.event, r.actor_id, r.record_id) for r in trail()])
    return rows[0]


def test_each_security_relevant_event_is_recorded_with_who_what_which_when_and_where(flow):
    f = flow
    admin, robin, case = f["admin"], f["robin"], f["case"]
    staff = dict(actor_id=admin.id, remote_addr=STAFF)
    find("auth.sign_in_failed", actor_id=None, record_type="User", record_id=admin.id, remote_addr=STAFF)
    find("auth.signed_in", record_type="User", record_id=admin.id, **staff)
    find("referral.accepted", record_type="Referral", record_id=f["taken"].id, case_id=case.id, **staff)
    find("referral.declined", record_type="Referral", record_id=f["declined"].id, case_id=None, **staff)
    find("account.invited", record_type="User", record_id=robin.id, case_id=case.id, **staff)
    for state in ("given", "withdrawn"):
        find("consent.changed", record_type="CaseParty", record_id=f["sam_party"].id, case_id=case.id,
             detail=f"state={state}", **staff)
    find("case.coaches_allocated", record_type="Case", record_id=case.id, case_id=case.id,
         detail=f"coaches={f['coach'].id}", **staff)
    find("case.closed", record_type="Case", record_id=case.id, case_id=case.id, **staff)
    find("case.reopened", record_type="Case", record_id=case.id, case_id=case.id, **staff)
    for event in ("account.invited", "account.deactivated", "account.reactivated"):
        find(event, record_type="User", record_id=f["nia"].id, **staff)

    party = dict(actor_id=robin.id, record_type="User", record_id=robin.id, remote_addr=PARTY)
    find("account.invitation_used", **party)
    for state in ("given", "withdrawn"):
        find("consent.changed", actor_id=robin.id, record_type="CaseParty",
             record_id=f["robin_party"].id, case_id=case.id, detail=f"state={state}", remote_addr=PARTY)
    find("account.password_changed", **party)
    find("auth.signed_out", **party)
    find("account.password_reset_requested", actor_id=None, record_type="User", record_id=robin.id,
         remote_addr=PARTY)

    concern = dict(record_type="SafeguardingConcern", record_id=f["concern"].id, case_id=case.id,
                   remote_addr=STAFF)
    find("note.written", actor_id=f["coach"].id, record_type="Note", record_id=f["note"].id,
         case_id=case.id, remote_addr=STAFF)
    find("safeguarding.concern_raised", actor_id=f["coach"].id, detail="level=high", **concern)
    for event in ("concern_acknowledged", "action_recorded", "addendum_added", "concern_closed",
                  "concern_reopened"):
        find(f"safeguarding.{event}", actor_id=admin.id, **concern)

    # Every row: when (UTC, to the second, within the flow), from where; the chain holds.
    rows = trail()
    assert all(f["started"] <= r.created_at <= f["ended"] for r in rows)
    assert [(r.id, r.event) for r in rows if r.remote_addr not in (PUBLIC, STAFF, PARTY)] == []
    assert audit.check_database().intact


def free_texts(f):
    """Every piece of free text the flow wrote, read back from where it was stored."""
    taken, declined = Referral.get_by_id(f["taken"].id), Referral.get_by_id(f["declined"].id)
    case = Case.get_by_id(f["case"].id)
    concern = f["concern"]
    texts = [taken.description, taken.safety_worry, declined.decline_reason, case.closing_note,
             f["note"].body, concern.description, concern.about_other_person, concern.occurred_at]
    texts += [e.text for e in ConcernEvent.select().where(ConcernEvent.concern == concern.id)]
    texts += [e.agency for e in ConcernEvent.select().where(ConcernEvent.concern == concern.id)]
    texts += [p.contact_notes for p in taken.people]
    texts += [e.reason for p in case.parties for e in p.consent_events if e.reason]
    texts += [e.summary for e in case.events if "Reason:" in e.summary]
    return [t for t in texts if t]


def test_no_free_text_from_notes_concerns_or_forms_reaches_any_column_of_any_row(flow):
    texts = free_texts(flow)
    # Everything the flow typed was stored (so the search below looks for something real).
    assert all(any(secret(label) in t for t in texts) for label in TYPED)
    columns = [field.column_name for field in AuditEvent._meta.sorted_fields]
    for row in AuditEvent.select().dicts():
        for column in columns:
            value = "" if row[column] is None else str(row[column])
            assert SECRET_MARK not in value, (row["id"], column, value)
            for text in texts:
                assert text not in value, (row["id"], column, text)
