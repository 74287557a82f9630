"""Saving a public referral, and turning a triaged referral into a case."""

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for

from portal import accounts, audit, notify, timeline
from portal.db import database
from portal.models import Case, CaseParty, Referral, ReferralPerson, User, utcnow
from portal.vocab import CaseEventKind, CaseKind, NotificationKind, ReferralSource, ReferralStatus, Role, Urgency


def save_referral(form):
    """Save the referral and its people in one transaction; returns the Referral."""
    is_agency = form.source.data == ReferralSource.AGENCY
    with database.atomic():
        referral = Referral.create(
            reference=Referral.next_reference(utcnow().year),
            source=form.source.data,
            agency_name=_text(form.agency_name) if is_agency else None,
            agency_type=form.agency_type.data if is_agency else None,
            referrer_name=_text(form.referrer_name) if is_agency else None,
            referrer_contact=_text(form.referrer_contact) if is_agency else None,
            dispute_type=form.dispute_type.data,
            description=_text(form.description),
            urgency=form.urgency.data,
            safety_worry=_text(form.safety_worry),
        )
        for person in form.filled_people():
            ReferralPerson.create(
                referral=referral, name=_text(person.name),
                email=_text(person.email).lower() or None,
                phone=_text(person.phone) or None,
                address=_text(person.address) or None,
                unsafe_routes=person.unsafe_routes(),
                contact_notes=_text(person.contact_notes),
            )
        _tell_about_referral(referral)
    return referral


def _tell_about_referral(referral):
    """A receipt with its reference to whoever referred, when they gave an email address that
    is safe to use; every coordinator told of an urgent one."""
    address = _receipt_address(referral)
    if address:
        notify.send_email(NotificationKind.REFERRAL_RECEIVED, address, None,
                          reference=referral.reference)
    if referral.urgency == Urgency.URGENT:
        for coordinator in User.select().where(User.role == Role.COORDINATOR, User.active == True):  # noqa: E712
            notify.notify(NotificationKind.URGENT_REFERRAL, coordinator, referral,
                          link=url_for("referrals.triage", reference=referral.reference),
                          reference=referral.reference)


def _receipt_address(referral):
    """An agency's contact if it is an email address; a person referring themselves, their own
    email unless they said email is not safe for them."""
    if referral.source == ReferralSource.AGENCY:
        contact = (referral.referrer_contact or "").strip()
        try:
            return validate_email(contact, check_deliverability=False).normalized if contact else None
        except EmailNotValidError:
            return None
    person = referral.people.order_by(ReferralPerson.id).first()
    return person.email if person is not None and _email_is_safe(person) else None


def _text(field):
    return (field.data or "").strip()


def decline(referral, reason, by, remote_addr=""):
    with database.atomic():
        referral.status, referral.decline_reason = ReferralStatus.DECLINED, reason.strip()
        referral.triaged_by, referral.triaged_at = by, utcnow()
        referral.save()
        audit.record("referral.declined", actor=by, record=referral, remote_addr=remote_addr)


def accept(referral, kind, by, remote_addr=""):
    """Open a case from the referral, with its parties. A party whose email is safe to use and
    already has a party account is linked to it; nobody is invited yet: invitations go when a
    party's consent to take part is recorded (`cases.service.record_consent`)."""
    with database.atomic():
        case = Case.create(
            reference=Case.next_reference(utcnow().year), kind=kind,
            dispute_type=referral.dispute_type, referral=referral,
            session_allowance=current_app.config["DEFAULT_SESSION_ALLOWANCE"],
        )
        for person in referral.people.order_by(ReferralPerson.id):
            party = CaseParty.create(
                case=case, name=person.name, email=person.email, phone=person.phone,
                address=person.address, unsafe_routes=person.unsafe_routes,
            )
            if accounts.party_email_is_safe(party):
                accounts.link_party_account(party)
        referral.status, referral.triaged_by, referral.triaged_at = ReferralStatus.ACCEPTED, by, utcnow()
        referral.save()
        timeline.record(case, CaseEventKind.CASE_OPENED,
                        f"Case opened from referral {referral.reference} as {_kind_words(kind)}.", by)
        audit.record("referral.accepted", actor=by, record=referral, case_id=case.id,
                     remote_addr=remote_addr)
    return case


def _kind_words(kind):
    return "mediation" if kind == CaseKind.MEDIATION else "one-to-one coaching"


def _email_is_safe(person):
    return accounts.party_email_is_safe(person)
