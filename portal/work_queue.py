"""The coordinator's home page as a work queue: what each list is, the rules from the
configuration, and the page's context (the queries are in `portal/queries/work_queue.py`).

Every list travels in one statement with its count (`queries.Batch`), so the page runs the
same few statements whatever the size of the service. Each list is paged on its own
(`?<kind>_page=2`, plain links), and the counts at the top link to the lists.
"""

from dataclasses import dataclass

from flask import current_app
from flask_login import current_user

from portal import queries
from portal.models import Referral, utcnow
from portal.pagination import BatchedPage, page_number
from portal.safeguarding.view import ack_limits, limit_words, urgency
from portal.times import service_zone
from portal.vocab import ReferralStatus, Urgency

PER_PAGE = 10
# Each list is counted up to this many past its page ("more than 1,000" beyond): at 100,000
# cases, counting every overdue action point cost more than the rest of the page.
COUNT_CAP = 1000


@dataclass(frozen=True)
class Kind:
    """One list of the queue: its name (the anchor and the page parameter), its query, its
    heading and the words of its count; `alert`, a count that stands out when it is not 0.
    Each line is the macro of its name in templates/home/_queue_lines.html."""
    name: str
    query: object
    heading: str
    counted: str
    alert: bool = False


KINDS = (
    Kind("concerns", queries.concerns_unacknowledged, "Safeguarding concerns not yet acknowledged",
         "concerns not acknowledged", alert=True),
    Kind("referrals", queries.referrals_overdue, "Referrals waiting longer than promised",
         "referrals overdue"),
    Kind("phone", queries.parties_to_phone, "Parties to phone: email is not safe for them",
         "parties to phone"),
    Kind("consent", queries.consent_waiting, "Parties whose consent is still awaited",
         "consents awaited"),
    Kind("no_coach", queries.cases_without_coach, "Open cases with no coach", "cases with no coach"),
    Kind("quiet", queries.quiet_cases, "Cases with no session booked or held lately",
         "quiet cases"),
    Kind("sessions", queries.sessions_unrecorded, "Sessions with no outcome or note recorded",
         "sessions to record"),
    Kind("action_points", queries.action_points_overdue, "Overdue action points",
         "overdue action points"),
    Kind("proposals", queries.proposals_waiting, "Proposed agreements not yet accepted",
         "proposals waiting"),
    Kind("reviews", queries.reviews_due, "Agreement reviews", "agreements due a review"),
)


def rules(now=None):
    """The queue's rules now (or at `now`, naive UTC), from the configuration."""
    config = current_app.config
    return queries.QueueRules.of(
        now or utcnow(), service_zone(),
        referral_working_days=config["REFERRAL_PROMISE_WORKING_DAYS"],
        urgent_working_days=config["URGENT_REFERRAL_PROMISE_WORKING_DAYS"],
        consent_days=config["CONSENT_WAIT_DAYS"], quiet_days=config["QUIET_CASE_DAYS"],
        note_days=config["SESSION_NOTE_DAYS"], proposal_days=config["PROPOSAL_WAIT_DAYS"])


def requested_pages(args):
    """The page of each list a request asks for (junk is the first page)."""
    return {kind.name: page_number(args.get(f"{kind.name}_page")) for kind in KINDS}


def _reserve_queue(batch, user, case, shape, *, today, referral_due_urgent, referral_due_soon,
                   referral_due_routine, consent_before, quiet_since, note_before, proposal_before,
                   reviews_until):
    """Every list's page and count, and the count of new referrals, reserved in `batch`; the
    user, the moments and the pages read only from the arguments (the shape: which page of each
    list, in `KINDS` order), so that the text is written once per shape (`PreparedBatch`)."""
    queue_rules = queries.QueueRules(
        today=today, referral_due={Urgency.URGENT.value: referral_due_urgent,
                                   Urgency.SOON.value: referral_due_soon,
                                   Urgency.ROUTINE.value: referral_due_routine},
        consent_before=consent_before, quiet_since=quiet_since, note_before=note_before,
        proposal_before=proposal_before, reviews_until=reviews_until)
    shown = {kind.name: BatchedPage(batch, kind.query(user, queue_rules), number, PER_PAGE, cap=COUNT_CAP)
             for kind, number in zip(KINDS, shape, strict=True)}
    new_referrals = batch.count(queries.referrals_visible_to(user).where(Referral.status == ReferralStatus.NEW))
    return shown, new_referrals


_QUEUE = queries.PreparedBatch("the coordinator's work queue", _reserve_queue)


def queue_context(pages, *, clamp=True):
    """Every list's page and count, and the page's other figures, in one statement."""
    now = utcnow()
    queue_rules = rules(now)
    shown, new_referrals = _QUEUE.run(
        current_user._get_current_object(), None, tuple(pages[kind.name] for kind in KINDS),
        today=queue_rules.today,
        referral_due_urgent=queue_rules.referral_due[Urgency.URGENT],
        referral_due_soon=queue_rules.referral_due[Urgency.SOON],
        referral_due_routine=queue_rules.referral_due[Urgency.ROUTINE],
        consent_before=queue_rules.consent_before, quiet_since=queue_rules.quiet_since,
        note_before=queue_rules.note_before, proposal_before=queue_rules.proposal_before,
        reviews_until=queue_rules.reviews_until)
    paged = {name: part.page() for name, part in shown.items()}
    if clamp and any(page.number > page.pages for page in paged.values()):
        # A page past the end (an old link after the list got shorter, or junk): its last page.
        return queue_context({name: min(page.number, page.pages) for name, page in paged.items()},
                             clamp=False)
    limits = ack_limits()
    return {
        "kinds": KINDS,
        "lists": paged,
        "rules": queue_rules,
        # The other lists' pages, kept by each list's pager.
        "page_args": {f"{name}_page": page.number for name, page in paged.items() if page.number > 1},
        "concern_urgency": {c.id: urgency(c, now, limits) for c in paged["concerns"].rows},
        "limits": {level: limit_words(limit) for level, limit in limits.items()},
        "new_referrals": new_referrals.total,
        "reviews_ahead": queries.REVIEWS_AHEAD_DAYS,
    }
