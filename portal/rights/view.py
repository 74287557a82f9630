"""What the data rights views share: loading a party record whose data the user may export (404
otherwise), whose data an export covers, and the downloads' answers."""

from __future__ import annotations

import io

from flask import Response, send_file
from flask_login import current_user

from portal import policy, queries
from portal.access import current_actor, require
from portal.models import CaseParty, User
from portal.rights.export import Subject


def load_exportable_party(party_id: int) -> CaseParty:
    """A party record whose data the user may export (404 if not), with its case."""
    party = queries.get_or_404(queries.exportable_party_records(current_user).where(CaseParty.id == party_id))
    require(policy.can_export_party_data(current_actor(), queries.case_facts(party.case), party.id))
    return party


def subject_of(party: CaseParty) -> Subject:
    """The person a party record is: every record of their account, or this one alone."""
    return Subject(parties=queries.subject_parties(party), account=queries.subject_account(party).first())


def own_subject(user: User) -> Subject:
    """The signed-in party: every record of theirs, and their account."""
    return Subject(parties=queries.own_party_records(user).select(CaseParty.id).order_by(), account=user)


def download(data: bytes, name: str, mimetype: str) -> Response:
    """An attachment with a neutral name, never cached."""
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
