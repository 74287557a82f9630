"""Each role's home page, and the front door that sends a user to theirs."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from portal import policy, queries, service_lists, work_queue
from portal.access import current_actor, role_required
from portal.actions.routes import own_action_points
from portal.models import utcnow
from portal.pagination import BatchedPage, page_number
from portal.sessions.party import card_context, is_upcoming
from portal.times import diary_days, local_today
from portal.vocab import CoachingOfferAnswer, Funding, Role, SessionStatus

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
    # Still to come: booked and not yet started. A session called off is not upcoming; one
    # called off that was still to come is listed as cancelled.
    upcoming = [s for s in sessions if is_upcoming(s)]
    called_off = [s for s in sessions if s.starts_at >= now and s.status == SessionStatus.CANCELLED]
    # Every case the page shows is one of the party's own: the facts of all of them at once.
    facts = queries.case_facts_for(r.case for r in records)
    return render_template(
        "home/party.html",
        upcoming=upcoming,
        **card_context(upcoming, lists["seats"].rows, lists["requests"].rows, facts),
        cancelled=called_off,
        past=[s for s in sessions if s.starts_at < now][::-1],
        records=records,
        agreements=agreements,
        may={**_party_answers(records, agreements, facts),
             **_feedback_and_equality(records, lists["feedback"].rows, lists["equality"].rows, facts, now)},
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
        ("action_points", queries.party_action_points(user)),
        ("feedback", queries.own_feedback_requests(user)),
        ("equality", queries.own_equality_answers(user)))}


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


def _feedback_and_equality(records, feedback, equality, facts, now):
    """Feedback the party may still give (by their record), and the records whose equality
    monitoring questions they may answer, with whether they have already."""
    actor = current_actor()
    return {
        "feedback": {f.party_id: f for f in feedback if policy.can_give_own_feedback(
            actor, facts[f.case_id], f.party_id, answered=f.answered_at is not None, expired=f.expires_at <= now)},
        "equality": {r.id for r in records if policy.can_answer_own_equality(actor, facts[r.case_id], r.id)},
        "equality_answered": {a.party_id for a in equality},
    }


COACH_CASES_PER_PAGE = 20
# A coach's open requests from parties, oldest first; more than this is a backlog the case pages show.
OPEN_REQUESTS_SHOWN = 50
# How many of each of the coach's lists the home page shows; it says how many more there are.
DIARY_SHOWN = 30
TODO_SHOWN = 20


@bp.get("/coach")
@role_required(Role.COACH)
def coach():
    """Your diary of sessions to come, your to-do, and the cases you are allocated to now."""
    user = current_user._get_current_object()
    today = local_today()
    days = diary_days(today)
    lists = _coach_lists(user, page_number(request.args.get("page")), days, today)
    page = lists["cases"].page()
    if page.number > page.pages:
        # A page of cases past the end (an old link, or junk): their last page.
        lists = _coach_lists(user, page.pages, days, today)
        page = lists["cases"].page()
    names: dict[int, list[str]] = {}
    for seat in lists["parties"].rows:
        names.setdefault(seat.session_id, []).append(seat.party.name)
    diary = lists["diary"].rows
    todo = {name: rows.rows for name, (rows, _) in lists["todo"].items()}
    totals = {name: count.total for name, (_, count) in lists["todo"].items()}
    unseen = _unseen(todo)
    return render_template(
        "home/coach.html", page=page, cases=page.rows, reviews=lists["reviews"].rows,
        requests=lists["requests"].rows,
        diary=days.group(diary), diary_headings=DIARY_HEADINGS, diary_empty=DIARY_EMPTY,
        diary_more=lists["diary_total"].total - len(diary), party_names=names,
        todo=todo, more={name: totals[name] - len(todo[name]) for name in todo},
        unseen=unseen[:TODO_SHOWN],
        unseen_more=sum(totals[n] for n in UNSEEN_LISTS) - min(len(unseen), TODO_SHOWN))


def _coach_lists(user, number, days, today):
    """Every list of the coach's home in one statement, its text made once per page of cases
    and list sizes (queries.PreparedBatch, the shape); the diary's midnight and today's date
    are bound as values."""
    shape = (number, COACH_CASES_PER_PAGE, DIARY_SHOWN, TODO_SHOWN, OPEN_REQUESTS_SHOWN)
    return _COACH_HOME.run(user, None, shape, since=days.today, today=today)


def _reserve_coach_home(batch, user, case, shape, since, today):
    """A coach's home page's lists, reserved in `batch`, each with its own query; the user, the
    times and the sizes read only from the arguments (the shape: which page of their cases, and
    how many of each list are shown)."""
    number, per_page, diary_shown, todo_shown, requests_shown = shape
    diary_query = queries.coach_diary(user, since).limit(diary_shown)
    return {
        "cases": BatchedPage(batch, queries.coach_case_list(user), number, per_page),
        "diary": batch.rows(diary_query),
        "parties": batch.rows(queries.session_party_names(diary_query)),
        "diary_total": batch.count(queries.coach_diary(user, since)),
        "todo": {name: (batch.rows(query.limit(todo_shown)), batch.count(query)) for name, query in (
            ("notes_to_write", queries.notes_to_write(user)),
            ("consents_waiting", queries.share_consents_waiting(user)),
            ("comments", queries.unseen_comments(user)),
            ("consent_answers", queries.unseen_consent_answers(user)),
            ("share_answers", queries.unseen_share_answers(user)),
            ("change_requests", queries.unseen_change_requests(user)),
            ("overdue", queries.overdue_action_points(user, today)))},
        "reviews": batch.rows(queries.agreement_reviews(user).limit(todo_shown)),
        "requests": batch.rows(queries.open_session_requests(user).limit(requests_shown)),
    }


_COACH_HOME = queries.PreparedBatch("a coach's home page", _reserve_coach_home)


DIARY_HEADINGS = {"today": "Today", "this_week": "Later this week", "later": "After this week"}
DIARY_EMPTY = {"today": "No sessions today.", "this_week": "No more sessions this week.",
               "later": "Nothing booked after this week."}

# The kinds of what parties said that the coach has not yet seen, merged into one list.
UNSEEN_LISTS = {"comments": "party_comment_at", "consent_answers": "created_at",
                "share_answers": "consent_at", "change_requests": "created_at"}


def _unseen(lists):
    """What parties said, newest first, as (when, kind, row)."""
    found = [(getattr(row, column), kind, row) for kind, column in UNSEEN_LISTS.items() for row in lists[kind]]
    return sorted(found, key=lambda item: item[0], reverse=True)


@bp.get("/coordinator")
@role_required(Role.COORDINATOR)
def coordinator():
    """The work queue: what needs doing across the service, most pressing first
    (`portal.work_queue`)."""
    context = work_queue.queue_context(work_queue.requested_pages(request.args))
    service_lists.load()  # the new referrals' dispute types, before the template runs
    return render_template("home/coordinator.html", **context)
