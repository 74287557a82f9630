"""The coach's side of an agreement: start a draft, change its details, issues and terms in
place, propose it, and start a new version. Everything else on the page is in `answers`."""

from flask import abort, flash, render_template
from flask_login import current_user, login_required

from portal import policy, queries
from portal.agreements import bp, service, wording
from portal.agreements.forms import DetailsForm, IssueForm, NewAgreementForm, TermForm
from portal.agreements.view import agreement_context, agreement_url, attempt, form_page, load_agreement
from portal.case_access import load_managed_case
from portal.cases.view import failed_status
from portal.forms import ConfirmForm, scope_ids
from portal.htmx import redirect_to
from portal.models import AgreementIssue, AgreementTerm

# The two kinds of list item, by the name they have in addresses.
ITEMS = {"issues": AgreementIssue, "terms": AgreementTerm}


def _by(user=None):
    return (user or current_user)._get_current_object()


@bp.route("/cases/<reference>/agreements/new", methods=["GET", "POST"])
@login_required
def new(reference):
    """Start a draft from one of the service's templates."""
    case, facts = load_managed_case(reference, policy.can_draft_agreement)
    form = NewAgreementForm(wording.templates())
    if form.validate_on_submit():
        template = wording.find(form.template.data)
        agreement = service.start(case, title=template.title, template=template, by=_by())
        flash("Draft started. Only the coaches on this case and the coordinators can see it.",
              "success")
        return redirect_to(agreement_url(agreement))
    return render_template("agreements/new.html", case=case, form=form,
                           templates=wording.templates()), failed_status(form)


@bp.get("/cases/<reference>/agreements/<int:agreement_id>")
@login_required
def show(reference, agreement_id):
    """The agreement: a draft being written, or a version proposed to the parties or final."""
    case, facts, agreement = load_agreement(reference, agreement_id)
    return render_template("agreements/show.html", **agreement_context(case, facts, agreement))


@bp.route("/cases/<reference>/agreements/<int:agreement_id>/details", methods=["GET", "POST"])
@login_required
def details(reference, agreement_id):
    """Title, review date and other terms of a draft."""
    case, facts, agreement = load_agreement(reference, agreement_id, policy.can_edit_agreement)
    form = scope_ids(DetailsForm(obj=agreement, keep_review_on=agreement.review_on), "details")
    if form.validate_on_submit():
        return attempt(case, agreement, lambda: service.change_details(
            agreement, title=form.title.data, review_on=form.review_on.data,
            other_terms=form.other_terms.data), "Details saved.", anchor="details")
    return form_page(case, agreement, form, "Change the title, review date and other terms",
                     form_id="details-form", status=failed_status(form))


def _item_form(kind, case, item=None):
    if kind == "issues":
        return IssueForm(obj=item)
    parties = service.parties_of(case)
    form = TermForm(parties, obj=item, keep_due_on=item.due_on if item is not None else None)
    if item is not None and not form.is_submitted():
        form.who.data = str(item.party_id) if item.party_id else "both"
    return form


def _save_item(kind, agreement, form, item=None):
    if kind == "issues":
        if item is None:
            return service.add_issue(agreement, form.text.data)
        return service.change_issue(item, form.text.data)
    party_id = form.party_id()
    if item is None:
        return service.add_term(agreement, what=form.what.data, party=party_id,
                                due_on=form.due_on.data)
    return service.change_term(item, what=form.what.data, party=party_id, due_on=form.due_on.data)


def _load_item(kind, agreement, item_id):
    if kind not in ITEMS:
        abort(404)
    model = ITEMS[kind]
    return queries.get_or_404(model.select().where(model.id == item_id,
                                                   model.agreement == agreement.id))


@bp.route("/cases/<reference>/agreements/<int:agreement_id>/<kind>/new", methods=["GET", "POST"])
@login_required
def new_item(reference, agreement_id, kind):
    """Add an issue or a term to a draft."""
    if kind not in ITEMS:
        abort(404)
    case, facts, agreement = load_agreement(reference, agreement_id, policy.can_edit_agreement)
    form = scope_ids(_item_form(kind, case), f"new-{kind}")
    if form.validate_on_submit():
        return attempt(case, agreement, lambda: _save_item(kind, agreement, form),
                       "Issue added." if kind == "issues" else "Term added.", anchor=kind)
    return form_page(case, agreement, form, "Add an issue" if kind == "issues" else "Add a term",
                     form_id=f"new-{kind}-form", status=failed_status(form))


@bp.route("/cases/<reference>/agreements/<int:agreement_id>/<kind>/<int:item_id>/edit",
          methods=["GET", "POST"])
@login_required
def edit_item(reference, agreement_id, kind, item_id):
    """Change an issue or a term of a draft."""
    case, facts, agreement = load_agreement(reference, agreement_id, policy.can_edit_agreement)
    item = _load_item(kind, agreement, item_id)
    form = scope_ids(_item_form(kind, case, item), f"edit-{kind}-{item.id}")
    form.submit.label.text = "Save the change"
    if form.validate_on_submit():
        return attempt(case, agreement, lambda: _save_item(kind, agreement, form, item),
                       "Issue changed." if kind == "issues" else "Term changed.", anchor=kind)
    return form_page(case, agreement, form,
                     "Change an issue" if kind == "issues" else "Change a term",
                     form_id=f"edit-{kind}-{item.id}-form", status=failed_status(form))


def _confirmed():
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.post("/cases/<reference>/agreements/<int:agreement_id>/<kind>/<int:item_id>/move/<direction>")
@login_required
def move_item(reference, agreement_id, kind, item_id, direction):
    """Move an issue or a term one place up or down."""
    if direction not in ("up", "down"):
        abort(404)
    case, facts, agreement = load_agreement(reference, agreement_id, policy.can_edit_agreement)
    item = _load_item(kind, agreement, item_id)
    _confirmed()
    return attempt(case, agreement, lambda: service.move(item, direction),
                   "Issue moved." if kind == "issues" else "Term moved.", anchor=kind)


@bp.post("/cases/<reference>/agreements/<int:agreement_id>/<kind>/<int:item_id>/remove")
@login_required
def remove_item(reference, agreement_id, kind, item_id):
    """Remove an issue or a term from a draft."""
    case, facts, agreement = load_agreement(reference, agreement_id, policy.can_edit_agreement)
    item = _load_item(kind, agreement, item_id)
    _confirmed()
    return attempt(case, agreement, lambda: service.remove(item),
                   "Issue removed." if kind == "issues" else "Term removed.", anchor=kind)


@bp.post("/cases/<reference>/agreements/<int:agreement_id>/propose")
@login_required
def propose(reference, agreement_id):
    """Send the draft to every party to read and accept."""
    case, facts, agreement = load_agreement(reference, agreement_id, policy.can_propose_agreement)
    _confirmed()
    return attempt(case, agreement, lambda: service.propose(agreement, by=_by()),
                   f"Version {agreement.version} proposed. Each party has been emailed to read it.")


@bp.post("/cases/<reference>/agreements/<int:agreement_id>/revise")
@login_required
def revise(reference, agreement_id):
    """Start the next version (a draft with the same content)."""
    case, facts, agreement = load_agreement(reference, agreement_id, policy.can_revise_agreement)
    _confirmed()
    try:
        draft = service.revise(agreement, by=_by())
    except service.AgreementRuleError as refusal:
        flash(str(refusal), "error")
        return redirect_to(agreement_url(agreement))
    flash(f"Version {draft.version} started as a draft. The parties see it once you propose it.",
          "success")
    return redirect_to(agreement_url(draft))
