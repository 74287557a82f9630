"""A party's own data (their "Your data" page and its download), and a coordinator's page on
one party record: the same export for them, the staff notes naming them (for review before
release), and their erasure requests."""

from flask import flash, render_template, request, url_for
from flask_login import current_user

from portal import policy, queries
from portal.access import current_actor, require, role_required
from portal.htmx import redirect_to
from portal.models import ErasureRequest, utcnow
from portal.rights import bp, export, service
from portal.rights.forms import ErasureRequestForm
from portal.rights.view import download, load_exportable_party, own_subject, subject_of
from portal.vocab import Role

ZIP = "application/zip"


@bp.get("/account/data")
@role_required(Role.PARTY)
def own_data():
    """Your data: what the download holds, and the button."""
    return render_template("rights/own_data.html", sections=export.SECTIONS)


@bp.get("/account/data/accord-data.zip")
@role_required(Role.PARTY)
def own_data_zip():
    """Everything the portal holds about you that you may see, as a ZIP, at once."""
    require(policy.can_download_own_data(current_actor()))
    content = export.zip_bytes(export.collect(own_subject(current_user), reference=f"account-{current_user.id}"))
    service.record_export(current_user, None, own=True, remote_addr=request.remote_addr or "")
    return download(content, f"accord-your-data-{utcnow():%Y-%m-%d}.zip", ZIP)


def _party_page(party, form, status=200):
    requests = list(queries.erasure_requests_visible_to(current_user).where(ErasureRequest.party == party.id))
    return render_template("rights/party.html", party=party, case=party.case, form=form, requests=requests,
                           has_account=party.user_id is not None), status


@bp.get("/parties/<int:party_id>/data")
@role_required(Role.COORDINATOR)
def party_data(party_id):
    """A coordinator's page on one party record's data rights."""
    party = load_exportable_party(party_id)
    return _party_page(party, ErasureRequestForm())


@bp.get("/parties/<int:party_id>/data/export.zip")
@role_required(Role.COORDINATOR)
def party_data_zip(party_id):
    """The party's export, exactly what they would download themselves (without an account too)."""
    party = load_exportable_party(party_id)
    reference = f"{party.case.reference}-party-{party.id}"
    content = export.zip_bytes(export.collect(subject_of(party), reference=reference))
    service.record_export(current_user, party, own=False, remote_addr=request.remote_addr or "")
    return download(content, f"accord-data-{reference}.zip", ZIP)


@bp.get("/parties/<int:party_id>/data/for-review.html")
@role_required(Role.COORDINATOR)
def party_staff_mentions(party_id):
    """Staff notes and concerns naming the person: for review before anything is released."""
    party = load_exportable_party(party_id)
    require(policy.can_review_staff_mentions(current_actor()))
    notes = list(queries.staff_notes_naming(current_user, party))
    concerns = list(queries.concerns_naming(current_user, party))
    service.record_staff_mentions_export(current_user, party, notes=len(notes), concerns=len(concerns),
                                         remote_addr=request.remote_addr or "")
    page = render_template("rights/for_review.html", party=party, case=party.case, notes=notes, concerns=concerns,
                           made_at=utcnow())
    return download(page.encode(), f"accord-for-review-{party.case.reference}-party-{party.id}.html", "text/html")


@bp.post("/parties/<int:party_id>/erasure-requests")
@role_required(Role.COORDINATOR)
def record_erasure(party_id):
    """Record that the person asked for their data to be erased."""
    party = load_exportable_party(party_id)
    require(policy.can_manage_retention(current_actor()))
    form = ErasureRequestForm()
    if not form.validate_on_submit():
        return _party_page(party, form, 422)
    service.record_erasure_request(party, form.received_on.data, form.method.data, current_user,
                                   remote_addr=request.remote_addr or "")
    flash("The erasure request is recorded.", "success")
    return redirect_to(url_for("rights.party_data", party_id=party.id, _anchor="erasure"))
