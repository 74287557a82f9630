"""The data rights changes, each in one transaction with its audit row: legal holds, erasure
requests and carrying one out (anonymising the case, portal/retention.py), and the record of
each export."""

from __future__ import annotations

from datetime import date

from portal import audit, retention, timeline
from portal.db import database
from portal.models import Case, CaseParty, ErasureRequest, User, utcnow
from portal.vocab import CaseEventKind, ErasureState


def record_export(by: User, party: CaseParty | None, *, own: bool, remote_addr: str = "") -> None:
    """Every export is in the trail: whose (the party record, or the party's own download)."""
    audit.record("rights.data_exported", actor=by, record=party, case_id=party.case_id if party else None,
                 detail="own=yes" if own else "own=no", remote_addr=remote_addr)


def record_staff_mentions_export(by: User, party: CaseParty, *, notes: int, concerns: int,
                                 remote_addr: str = "") -> None:
    audit.record("rights.staff_mentions_exported", actor=by, record=party, case_id=party.case_id,
                 detail=f"notes={notes} concerns={concerns}", remote_addr=remote_addr)


def set_legal_hold(case: Case, reason: str, by: User, remote_addr: str = "") -> bool:
    """Hold the case (only if no hold is set and it is not anonymised: one UPDATE decides)."""
    with database.atomic():
        held = (Case.update(legal_hold_reason=reason.strip(), legal_hold_by=by.id, legal_hold_at=utcnow())
                .where(Case.id == case.id, Case.legal_hold_reason.is_null(), Case.anonymised_at.is_null())
                .execute())
        if held:
            # The reason is on the case and its timeline (both anonymised with it); the trail
            # says who and when, not why.
            timeline.record(case, CaseEventKind.LEGAL_HOLD, f"Legal hold set: {reason.strip()}", by)
            audit.record("rights.legal_hold_set", actor=by, record=case, case_id=case.id, remote_addr=remote_addr)
    return bool(held)


def lift_legal_hold(case: Case, reason: str, by: User, remote_addr: str = "") -> bool:
    with database.atomic():
        lifted = (Case.update(legal_hold_reason=None, legal_hold_by=None, legal_hold_at=None)
                  .where(Case.id == case.id, Case.legal_hold_reason.is_null(False)).execute())
        if lifted:
            timeline.record(case, CaseEventKind.LEGAL_HOLD, f"Legal hold lifted: {reason.strip()}", by)
            audit.record("rights.legal_hold_lifted", actor=by, record=case, case_id=case.id, remote_addr=remote_addr)
    return bool(lifted)


def record_erasure_request(party: CaseParty, received_on: date, method: str, by: User,
                           remote_addr: str = "") -> ErasureRequest:
    with database.atomic():
        request = ErasureRequest.create(party=party.id, received_on=received_on, method=method, recorded_by=by.id)
        audit.record("rights.erasure_recorded", actor=by, record=request, case_id=party.case_id,
                     detail=f"party={party.id} method={method}", remote_addr=remote_addr)
    return request


def carry_out_erasure(request: ErasureRequest, case: Case, by: User, remote_addr: str = "") -> bool:
    """Anonymise the person's case now, and mark the request carried out (both or neither)."""
    with database.atomic():
        done = retention.anonymise_case(case.id, actor=by, why=f"erasure_request_{request.id}",
                                        remote_addr=remote_addr)
        if done:
            (ErasureRequest.update(state=ErasureState.CARRIED_OUT, carried_out_by=by.id, carried_out_at=utcnow())
             .where(ErasureRequest.party.in_(CaseParty.select(CaseParty.id).where(CaseParty.case == case.id)),
                    ErasureRequest.state == ErasureState.RECORDED).execute())
    return done
