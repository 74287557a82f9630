"""Loading a concern for the current user, what its page shows, and the answers its forms give.

As on the case page: a change answers htmx with the refreshed concern (`#concern`) and a plain
browser with a 303 to the concern page; a failed form answers with the form again (422).
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import abort, current_app, url_for
from flask_login import current_user

from portal import policy, queries
from portal.access import current_actor, require
from portal.htmx import form_response, is_htmx_request, redirect_to, replace
from portal.models import SafeguardingConcern, utcnow
from portal.vocab import ConcernState

LEAD_MOVES = ("acknowledge", "action", "close", "reopen")


def ack_limits():
    config = current_app.config
    return policy.concern_ack_limits(config["SAFEGUARDING_IMMEDIATE_ACK_MINUTES"],
                                     config["SAFEGUARDING_HIGH_ACK_HOURS"])


@dataclass(frozen=True)
class Urgency:
    """How long a concern has waited, and whether it waited too long for acknowledgement."""
    age: timedelta
    overdue: bool
    limit: timedelta | None

    @property
    def limit_words(self):
        return limit_words(self.limit)


def limit_words(limit):
    """"1 hour", "24 hours", "90 minutes": an acknowledgement limit as it was configured."""
    if limit is None:
        return ""
    minutes = int(limit.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if rest:
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    return f"{hours} hour{'' if hours == 1 else 's'}"


def urgency(concern, now, limits):
    age = now - concern.created_at
    acknowledged = concern.state != ConcernState.OPEN
    return Urgency(age=age, overdue=policy.is_overdue(concern.level, acknowledged, age, limits),
                   limit=limits.get(concern.level))


def load_concern(concern_id):
    """The concern if the user may see it (404 otherwise, also for every party), with its
    case's facts."""
    concern = queries.get_or_404(queries.concerns_visible_to(current_user)
                                 .where(SafeguardingConcern.id == concern_id))
    facts = queries.case_facts(concern.case)
    if not policy.can_view_concern(current_actor(), facts, concern.facts()):
        abort(404)
    return concern, facts


def load_lead_concern(concern_id):
    """A concern the user may see (else 404) and acts on as safeguarding lead (else 403)."""
    concern, facts = load_concern(concern_id)
    require(policy.can_act_on_concern(current_actor()))
    return concern, facts


def concern_context(concern, facts):
    """Everything the concern page shows: details, chronology, and what the user may do."""
    actor = current_actor()
    moves = policy.concern_moves(concern.facts()) if policy.can_act_on_concern(actor) else ()
    return {
        "concern": concern,
        "case": concern.case,
        "events": list(queries.concern_events_visible_to(current_user, concern)),
        "urgency": urgency(concern, utcnow(), ack_limits()),
        "may": {
            "open_case": policy.can_manage_case(actor, facts),
            "addendum": policy.can_add_addendum(actor, facts, concern.facts()),
            **{move: move in moves for move in LEAD_MOVES},
        },
    }


def concern_updated(concern):
    """After a change: the refreshed concern for htmx, a 303 to the concern page otherwise."""
    if is_htmx_request():
        concern, facts = load_concern(concern.id)
        return replace("#concern", "safeguarding/_concern.html", **concern_context(concern, facts))
    return redirect_to(url_for("safeguarding.show", concern_id=concern.id))


def concern_form_page(concern, form, title, *, action, form_id, status=200):
    """A form on the concern page: in place (htmx) or as a page of its own (no JavaScript)."""
    return form_response("_inline_form.html", "form_page.html", form_id=form_id, status=status,
                         back_to=(url_for("safeguarding.show", concern_id=concern.id),
                                  "Back to the concern"),
                         title_trail=["safeguarding concern", concern.case.reference],
                         concern=concern, case=concern.case, form=form, title=title, action=action)
