"""Loading an agreement for the current user, everything its page shows, and the answers every
change gives.

A change answers htmx with the refreshed agreement (`#agreement`) and a plain browser with a
303 to the agreement page; a refused form answers with the form again (422), in place for htmx.
"""

from flask import abort, flash, request, url_for
from flask_login import current_user

from portal import policy, queries
from portal.access import current_actor, require
from portal.agreements import changes, service
from portal.case_access import load_case
from portal.htmx import form_response, is_htmx_request, redirect_to, replace
from portal.models import Agreement, AgreementIssue, AgreementTerm


def load_agreement(reference, agreement_id, allowed=None):
    """The agreement if the user may see it (404 otherwise) and, when `allowed` is given, may act
    on it as that policy function says (403 otherwise)."""
    case, facts = load_case(reference)
    agreement = queries.get_or_404(queries.agreements_visible_to(current_user, case)
                                   .where(Agreement.id == agreement_id))
    if not policy.can_view_agreement(current_actor(), facts, agreement.facts()):
        abort(404)
    if allowed is not None:
        require(allowed(current_actor(), facts, agreement.facts()))
    return case, facts, agreement


def my_party(case, facts):
    """The current user's party record on this case, if they are a party on it."""
    ids = policy.party_ids_for(current_actor(), facts)
    return next((p for p in service.parties_of(case) if p.id in ids), None)


def agreement_context(case, facts, agreement):
    actor, agreement_facts = current_actor(), agreement.facts()
    parties = service.parties_of(case)
    party = my_party(case, facts)
    acceptances = {a.party_id: a for a in queries.agreement_acceptances(agreement)}
    previous = queries.previous_version_visible_to(current_user, case, agreement).first()
    newer = queries.newer_version_visible_to(current_user, case, agreement).first()
    return {
        "case": case,
        "agreement": agreement,
        "issues": list(agreement.issues.order_by(AgreementIssue.position)),
        "terms": list(agreement.terms.order_by(AgreementTerm.position)),
        "parties": parties,
        "party_names": {p.id: p.name for p in parties},
        "acceptances": acceptances,
        "change_requests": list(queries.agreement_change_requests_visible_to(current_user, agreement)),
        "previous": previous,
        "newer": newer,
        # A version is only ever made from a proposed or final one, which every reader of this
        # version may see too.
        "changes": (changes.between(service.document_for(previous), service.document_for(agreement))
                    if previous is not None else None),
        "my_party": party,
        "may": {
            "edit": policy.can_edit_agreement(actor, facts, agreement_facts),
            "propose": policy.can_propose_agreement(actor, facts, agreement_facts),
            "revise": policy.can_revise_agreement(actor, facts, agreement_facts) and newer is None,
            "answer": party is not None and party.id not in acceptances
                      and policy.can_answer_agreement(actor, facts, agreement_facts, party.id),
            "record": [p for p in parties if p.id not in acceptances
                       and policy.can_record_agreement_acceptance(actor, facts, agreement_facts, p.id)],
            "review": policy.can_record_agreement_review(actor, facts, agreement_facts,
                                                         reviewed=agreement.reviewed_on is not None),
            # How the terms were kept is the staff's record; a party reads the review's note
            # if it was shared with them.
            "see_review": policy.can_manage_case(actor, facts),
        },
    }


def agreement_updated(case, agreement, anchor=None):
    """After a successful change: the refreshed agreement for htmx, a 303 to its page otherwise;
    either way back at `anchor`, the section that changed (see cases.view.case_updated)."""
    if is_htmx_request():
        case, facts, agreement = load_agreement(case.reference, agreement.id)
        return replace("#agreement", "agreements/_agreement.html", focus=f"#{anchor or 'agreement'}",
                       **agreement_context(case, facts, agreement))
    return redirect_to(agreement_url(agreement, _anchor=anchor))


def attempt(case, agreement, change, message, anchor=None):
    """Make `change()`; say `message` (a function of its result, or words) or why it was
    refused, and answer with the refreshed agreement."""
    try:
        result = change()
    except service.AgreementRuleError as refusal:
        flash(str(refusal), "error")
    else:
        flash(message(result) if callable(message) else message, "success")
    return agreement_updated(case, agreement, anchor)


def agreement_url(agreement, **values):
    return url_for("agreements.show", reference=agreement.case.reference,
                   agreement_id=agreement.id, **values)


def form_page(case, agreement, form, title, *, form_id, status=200, intro=""):
    """An agreement form, posted back to the address that served it: in place (htmx) or as a
    page of its own (no JavaScript)."""
    return form_response("_inline_form.html", "form_page.html", form_id=form_id, status=status,
                         back_to=(url_for("agreements.show", reference=case.reference,
                                          agreement_id=agreement.id), "Back to the agreement"),
                         title_trail=[case.reference], case=case, agreement=agreement, form=form,
                         title=title, intro=intro, action=request.path)
