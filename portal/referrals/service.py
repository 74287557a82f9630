"""Saving a public referral, and turning a triaged referral into a case."""

from flask import current_app

from portal import accounts, audit, timeline
from portal.db import database
from portal.models import Case, CaseParty, Referral, ReferralPerson, User, utcnow
from portal.vocab import CaseEventKind, CaseKind, ReferralSource, ReferralStatus, Role, TokenPurpose, UnsafeRoute


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
    return referral


def _text(field):
    return (field.data or "").strip()


def decline(referral, reason, by, remote_addr=""):
    with database.atomic():
        referral.status, referral.decline_reason = ReferralStatus.DECLINED, reason.strip()
        referral.triaged_by, referral.triaged_at = by, utcnow()
        referral.save()
        audit.record("referral.declined", actor=by, record=referral, remote_addr=remote_addr)


def accept(referral, kind, by, invite=True, remote_addr=""):
    """Open a case from the referral: its parties, and portal invitations where email is safe
    (queued with the case, in its transaction: delivered once it commits)."""
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
            if invite and _email_is_safe(person):
                invitation = _link_or_invite(party, by, remote_addr)
                if invitation:
                    accounts.send_invitation_email(*invitation)
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
    return bool(person.email) and UnsafeRoute.EMAIL not in person.unsafe_routes.split(",")


def _link_or_invite(party, by, remote_addr=""):
    """Link the party to an existing party account with that email, or invite them.
    Returns (user, raw token) when an invitation must be emailed."""
    existing = User.by_email(party.email).first()
    if existing is not None:
        if existing.role == Role.PARTY:
            party.user = existing
            party.save()
        # A staff address given for a party is left unlinked: a coordinator sorts it out.
        return None
    user = User.create(name=party.name, email=party.email, role=Role.PARTY)
    party.user = user
    party.save()
    raw = accounts.issue_token(user, TokenPurpose.INVITATION,
                               current_app.config["INVITATION_LIFETIME"], created_by=by)
    audit.record("account.invited", actor=by, record=user, case_id=party.case_id, detail="role=party",
                 remote_addr=remote_addr)
    return user, raw
