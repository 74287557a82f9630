"""Each role's home page, and the front door that sends a user to theirs."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from portal import policy, queries
from portal.access import current_actor, role_required
from portal.actions.routes import own_action_points
from portal.models import Case, Referral, utcnow
from portal.pagination import paginate
from portal.sessions.party import card_context
from portal.vocab import CaseStatus, CoachingOfferAnswer, Funding, ReferralStatus, Role

bp = Blueprint("home", __name__)


@bp.app_context_processor
def _party_coaches():
    """Every page of a party's names their coaches (the layout, templates/base.html); a
    function, so that only the pages that show the layout run the query."""
    if not (current_user.is_authenticated
            and policy.can_use_role_area(current_actor(), Role.PARTY)):
        return {"party_coaches": None}
    return {"party_coaches": lambda: list(queries.party_coaches(current_user))}

HOME_ENDPOINTS = {
    Role.PARTY: "home.party",
    Role.COACH: "home.coach",
    Role.COORDINATOR: "home.coordinator",
}


@bp.get("/")
def index():
    """Signed in: your home page. Otherwise: the sign-in page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    return redirect(url_for(HOME_ENDPOINTS[policy.home_role(current_actor())]))


@bp.get("/party")
@role_required(Role.PARTY)
def party():
    """Your sessions and action points."""
    now = utcnow()
    # The page's lists travel together, each with its own query, in a statement whose text is
    # made once (queries.PreparedBatch).
    lists = _PARTY_HOME.run(current_user._get_current_object(), None)
    sessions, records, agreements = (lists[name].rows for name in ("sessions", "records", "agreements"))
    upcoming = [s for s in sessions if s.starts_at >= now]
    # Every case the page shows is one of the party's own: the facts of all of them at once.
    facts = queries.case_facts_for(r.case for r in records)
    return render_template(
        "home/party.html",
        upcoming=upcoming,
        **card_context(upcoming, lists["seats"].rows, lists["requests"].rows, facts),
        past=[s for s in sessions if s.starts_at < now][::-1],
        records=records,
        agreements=agreements,
        may=_party_answers(records, agreements, facts),
        back="home",
        **own_action_points(current_user, facts, lists["action_points"].rows),
    )


def _reserve_party_home(batch, user, case, shape):
    """A party's home page's lists, reserved in `batch`; the user read only from the argument."""
    return {name: batch.rows(query) for name, query in (
        ("sessions", queries.party_sessions(user)),
        ("records", queries.own_party_records(user)),
        ("agreements", queries.party_agreements(user)),
        ("seats", queries.own_session_seats(user)),
        ("requests", queries.own_session_requests(user)),
        ("action_points", queries.party_action_points(user)))}


_PARTY_HOME = queries.PreparedBatch("a party's home page", _reserve_party_home)


def _party_answers(records, agreements, facts):
    """What the policy lets this party say and see on each of their cases: their consent
    answers, their fee, and where each agreement stands for them. The page only reads these."""
    actor = current_actor()
    own_record = {r.case_id: r.id for r in records}
    accepted = ({(a.agreement_id, a.party_id) for a in queries.agreement_acceptances_of(agreements)}
                if agreements else set())
    waiting = {r.id for r in records if r.coaching_offer == CoachingOfferAnswer.WAITING}
    return {
        # While post-mediation coaching waits for the party's answer, that answer is the question.
        "consent": {r.id: policy.own_consent_answers(actor, facts[r.case_id], r.id, r.consent_state)
                    if r.id not in waiting else frozenset() for r in records},
        "offer": {r.id for r in records
                  if policy.can_answer_coaching_offer(actor, facts[r.case_id], r.id, waiting=r.id in waiting)},
        "fee": {r.id for r in records if policy.shows_own_fee(
            actor, facts[r.case_id], r.id, self_funded=r.case.funding == Funding.SELF_FUNDED,
            fee_recorded=r.fee_pence is not None)},
        "agreement": {a.id: policy.agreement_standing(
            actor, facts[a.case_id], a.facts(), own_record[a.case_id],
            accepted=(a.id, own_record[a.case_id]) in accepted)
            for a in agreements if a.case_id in own_record},
    }


COACH_CASES_PER_PAGE = 20
# A coach's open requests from parties, oldest first; more than this is a backlog the case pages show.
OPEN_REQUESTS_SHOWN = 50


@bp.get("/coach")
@role_required(Role.COACH)
def coach():
    """The cases you are allocated to now, newest first, a page at a time."""
    page = paginate(queries.coach_case_list(current_user), request.args.get("page"),
                    per_page=COACH_CASES_PER_PAGE)
    # The two short lists travel together (queries.Batch), each with its own query.
    batch = queries.Batch()
    reviews = batch.rows(queries.agreement_reviews(current_user).limit(20))
    requests = batch.rows(queries.open_session_requests(current_user).limit(OPEN_REQUESTS_SHOWN))
    batch.run()
    return render_template("home/coach.html", page=page, cases=page.rows,
                           reviews=reviews.rows, requests=requests.rows)


@bp.get("/coordinator")
@role_required(Role.COORDINATOR)
def coordinator():
    """Referrals, cases and safeguarding at a glance."""
    return render_template(
        "home/coordinator.html",
        new_referrals=queries.referrals_visible_to(current_user).where(Referral.status == ReferralStatus.NEW).count(),
        open_cases=list(queries.cases_visible_to(current_user)
                    .where(Case.status == CaseStatus.OPEN).order_by(Case.created_at.desc()).limit(20)),
        open_concerns=queries.open_concern_count_for(current_user),
        reviews=list(queries.agreement_reviews(current_user).limit(20)),
    )
