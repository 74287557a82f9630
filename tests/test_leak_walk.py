"""The leak test: marked confidential text appears only where the policy allows it.

The demo service is loaded, a third case is added, and unique marker strings are planted in
notes of every audience and share state (with files, file names and earlier versions), action
points (with their detail and the party's comment), goals, safeguarding concerns (with actions
and addenda), agreements, each party's contact details (address, phone, email, unsafe routes)
and consent reasons, session places (an office, a venue, an online link, home visits), funding
schemes and fees, and the case timeline, across the three cases. Besides the demo users, a coach
who was taken off a case and a user deactivated after signing in walk too.

Every user signs in through the form and walks everything they can reach with GET: links, htmx
endpoints (fetched as htmx would), forms that search with GET, and every download. Afterwards
each user also fetches every address that anyone reached, which catches a page that leaks when
visited by a guessed or shared link rather than one that was linked; and then submits every form
they were offered (plainly and as htmx would) with data that must be refused, and reads the
answers: the failed-form (422) pages and whatever else a POST answers. The Notifications and
preferences pages are walked like any other; every kind of message is sent about the planted
cases, and each email (subject, body, calendar file) is read as its reader would.

A marker may appear in a response (body or headers) only if `portal.policy` allows that user to
see the thing it was planted in; and every marker the policy allows must be seen somewhere, so
that a walk that quietly stops reaching pages makes the test fail rather than pass. Nothing the
walk does may put a marker in a log line.
"""

import io
import logging
import re
import zipfile
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from pypdf import PdfReader

from portal import demo, policy, queries
from portal.models import (
    ActionPoint,
    AgreementChangeRequest,
    Case,
    CaseEvent,
    CaseParty,
    CoachAllocation,
    ConcernEvent,
    ConsentEvent,
    EqualityAnswers,
    FeedbackRequest,
    Goal,
    NoteRevision,
    OutboxMessage,
    SessionAttendee,
    SessionRequest,
    User,
    utcnow,
)
from portal.vocab import (
    AgreementState,
    Audience,
    CaseKind,
    ConsentState,
    EqualitySource,
    Ethnicity,
    MessageKind,
    MessageState,
    Role,
    Satisfaction,
    ShareState,
)
from tests.conftest import Browser
from tests.factories import (
    add_party,
    allocate,
    make_agreement,
    make_agreement_term,
    make_concern,
    make_note,
    make_note_file,
    make_session,
    make_user,
)

HTMX = {"HX-Request": "true"}
# A walk that reaches more than this many addresses for one user has lost its way (a link that
# grows on every page, say); the test fails rather than run for ever. (The reports add about a
# hundred for a coordinator: each quick period's page, its PDF and a CSV per section; the data
# rights three pages per party.)
MAX_ADDRESSES_PER_USER = 900


# --- planting -------------------------------------------------------------------------------

# Who walks besides the demo users: a coach taken off the mediation case after writing on it and
# raising a concern there, and a coach on that case who is deactivated after signing in.
REMOVED_COACH = "removed.coach@example.org"
DEACTIVATED_COACH = "deactivated.coach@example.org"
WALKERS = [email for email, _ in demo.SIGN_INS] + [REMOVED_COACH, DEACTIVATED_COACH]


@dataclass
class Planted:
    """Every marker, with the rule that says who may see it (a function of the actor), and the
    rule that says who must reach it by following links (by default, everyone who may)."""
    allowed: dict = field(default_factory=dict)   # marker -> callable(actor) -> bool
    reached: dict = field(default_factory=dict)   # marker -> callable(actor) -> bool
    where: dict = field(default_factory=dict)     # marker -> what it was planted in
    # Markers a party may see only in their own data export (their feedback's words: staff on
    # the case read them on the case page; the party who wrote them, in their ZIP alone).
    export_only: set = field(default_factory=set)

    def add(self, label, rule, *, reached_by=None, marker=None):
        marker = marker or f"MARKER{len(self.where):03d}Z"
        assert marker not in self.where
        self.allowed[marker] = rule
        self.reached[marker] = reached_by
        self.where[marker] = label
        return marker

    def must_reach(self, marker, actor):
        rule, reached_by = self.allowed[marker], self.reached[marker]
        return rule(actor) and (reached_by is None or reached_by(actor))


def _note_rule(case, note):
    """Who may read a note's text: its readers, and the source party while a share of their
    words waits for or has their consent (they are shown what would be shared)."""
    def rule(actor):
        case_facts, note_facts = queries.case_facts(case), note.facts()
        return (policy.can_read_note(actor, case_facts, note_facts)
                or any(policy.can_view_share_request(actor, case_facts, note_facts, party_id)
                       for party_id in note_facts.shares))
    return rule


def _history_rule(case, note):
    return lambda actor: policy.can_view_note_history(actor, queries.case_facts(case),
                                                     note.facts())


def _party_item_rule(case, party):
    item = policy.PartyItemFacts(case_id=case.id, party_id=party.id)
    return lambda actor: policy.can_view_party_item(actor, queries.case_facts(case), item)


def _agreement_rule(case, agreement):
    return lambda actor: policy.can_view_agreement(
        actor, queries.case_facts(case),
        policy.AgreementFacts(agreement_id=agreement.id, case_id=case.id, state=agreement.state))


def _change_request_rule(case, agreement, party):
    return lambda actor: policy.can_view_agreement_change_request(
        actor, queries.case_facts(case),
        policy.AgreementFacts(agreement_id=agreement.id, case_id=case.id, state=agreement.state),
        party.id)


def _plant_agreements(planted, case, coach, parties):
    """A draft (staff only) and a proposed version (its parties too), each with a marked term,
    and each party's request for a change (their own words: staff and that party)."""
    for state in (AgreementState.DRAFT, AgreementState.PROPOSED):
        agreement = make_agreement(case, coach, state=state, title=f"Agreement ({state})")
        marker = planted.add(f"a term of the {state} agreement on {case.reference}",
                             _agreement_rule(case, agreement))
        make_agreement_term(agreement, what=f"{marker} every weekday")
    for party in parties:
        marker = planted.add(f"{party.name}'s request for a change on {case.reference}",
                             _change_request_rule(case, agreement, party))
        AgreementChangeRequest.create(agreement=agreement, party=party, version=1,
                                      comment=f"{marker} please")


def _concern_rule(case, concern):
    return lambda actor: policy.can_view_concern(actor, queries.case_facts(case), concern.facts())


def _case_staff(case):
    """Staff on the case now: the people whose pages link to everything on it."""
    return lambda actor: policy.is_case_staff(actor, queries.case_facts(case))


def _nobody(actor):
    return False


def _contact_rule(case, party):
    return lambda actor: policy.can_view_party_contact(actor, queries.case_facts(case), party.id)


def _session_place_rule(session):
    def rule(actor):
        return policy.can_see_session_address(actor, queries.case_facts(session.case), session.facts())
    return rule


def _session_rule(session):
    def rule(actor):
        return policy.can_view_session(actor, queries.case_facts(session.case), session.facts())
    return rule


def _own_seat_rule(session, party):
    """A party's request about a session and their supporter: staff on the case and that party."""
    def rule(actor):
        return policy.can_view_session_request(actor, queries.case_facts(session.case),
                                               session.facts(), party.id)
    return rule


def _event_rule(case, kind):
    return lambda actor: policy.can_view_case_event(actor, queries.case_facts(case), kind)


def _funding_rule(case):
    return lambda actor: policy.can_view_funding(actor, queries.case_facts(case))


def _fee_rule(case, party):
    """A fee: coordinators, and the party it is for (on their home page)."""
    return lambda actor: policy.can_view_own_fee(actor, queries.case_facts(case), party.id)


def _plant_contact_details(planted, case, party):
    """A party's address, phone, email and unsafe routes: that party and staff on the case,
    never another party. Staff reach them on the case page; a party is not shown their own
    record, and no page shows a postal address (it is kept for letters), so those are only
    allowed, never required."""
    address = planted.add(f"{party.name}'s address on {case.reference}", _contact_rule(case, party),
                          reached_by=_nobody)
    phone = planted.add(f"{party.name}'s phone on {case.reference}", _contact_rule(case, party),
                        reached_by=_case_staff(case))
    email = planted.add(f"{party.name}'s email on {case.reference}", _contact_rule(case, party),
                        reached_by=_case_staff(case))
    routes = planted.add(f"{party.name}'s unsafe routes on {case.reference}",
                         _contact_rule(case, party), reached_by=_case_staff(case))
    CaseParty.update(address=f"{address} Private Road", phone=f"07700 {phone}",
                     email=f"{email.lower()}@example.test", unsafe_routes=routes
                     ).where(CaseParty.id == party.id).execute()
    # What the party said when asked about taking part: their own words, kept with the case.
    reason = planted.add(f"{party.name}'s consent reason on {case.reference}",
                         _party_item_rule(case, party), reached_by=_case_staff(case))
    ConsentEvent.create(party=party, state=ConsentState.GIVEN, method="phone",
                        occurred_on=date.today(), reason=f"{reason} was the reason")


def _plant_sessions(planted, case, coach, parties):
    """Upcoming sessions of every kind of place: an office and an online link (whoever may see
    the session), a venue, and home visits (staff on the case only, never in a calendar file)."""
    starts = utcnow().replace(microsecond=0, second=0, minute=0) + timedelta(days=30)
    kind = "coaching" if case.kind == CaseKind.COACHING else "pre_mediation"
    for n, party in enumerate(parties):
        home = make_session(case, parties=[party], coaches=[coach], kind=kind, mode="home_visit",
                            starts_at=starts + timedelta(days=n, hours=1))
        marker = planted.add(f"the address of {party.name}'s home visit on {case.reference}",
                             _session_place_rule(home))
        home.location = f"{marker} Home Lane"
        home.save()
        # One more each, to keep the walk short: an office for one, an online link for the next.
        if n % 2 == 0:
            office = make_session(case, parties=[party], coaches=[coach], kind=kind,
                                  mode="face_to_face", starts_at=starts + timedelta(days=n, hours=3))
            marker = planted.add(f"the office of {party.name}'s meeting on {case.reference}",
                                 _session_place_rule(office))
            office.location = f"{marker} Office"
            office.save()
        else:
            online = make_session(case, parties=[party], coaches=[coach], kind=kind, mode="online",
                                  starts_at=starts + timedelta(days=n, hours=5))
            marker = planted.add(f"the link of {party.name}'s online session on {case.reference}",
                                 _session_rule(online))
            online.online_link = f"https://meet.example.org/{marker}"
            online.save()
    if case.kind == CaseKind.MEDIATION:
        joint = make_session(case, parties=parties, coaches=[coach], mode="home_visit",
                             kind="joint_mediation",
                             starts_at=starts + timedelta(days=9))
        marker = planted.add(f"the address of a joint home visit on {case.reference}",
                             _session_place_rule(joint))
        joint.location = f"{marker} Shared Lane"
        joint.save()
        venue = make_session(case, parties=parties, coaches=[coach], mode="community_venue",
                             kind="joint_mediation",
                             starts_at=starts + timedelta(days=10))
        marker = planted.add(f"the venue of a joint session on {case.reference}",
                             _session_place_rule(venue))
        venue.location = f"{marker} Hall"
        venue.save()
        # Each party's own word about the joint session (a request to their coaches, with their
        # reason) and whom they bring: staff on the case and that party, never the other party.
        for party in parties:
            rule = _own_seat_rule(venue, party)
            reason = planted.add(f"{party.name}'s request about a joint session on {case.reference}",
                                 rule)
            SessionRequest.create(session=venue, party=party, kind="rearrange",
                                  reason=f"{reason} is why")
            supporter = planted.add(f"{party.name}'s supporter at a joint session on {case.reference}",
                                    rule)
            (SessionAttendee.update(supporter_name=f"{supporter} Friend", supporter_relationship="a friend")
             .where(SessionAttendee.session == venue.id, SessionAttendee.party == party.id).execute())


def _plant_timeline(planted, case):
    """Timeline entries: money for coordinators only, the rest for staff on the case."""
    for kind in ("funding", "consent"):
        marker = planted.add(f"a {kind} entry on the timeline of {case.reference}",
                             _event_rule(case, kind))
        CaseEvent.create(case=case, kind=kind, summary=f"{marker} happened.")


def _plant_concern(planted, case, raiser, lead, label):
    """A concern with an action (and its agency) and an addendum, all with the concern's rule.
    Staff on the case reach it from the case page; its raiser, once off the case, only by its
    address."""
    marker = planted.add(label, None, reached_by=_case_staff(case))
    concern = make_concern(case, raiser, description=f"{marker} was disclosed.")
    planted.allowed[marker] = _concern_rule(case, concern)
    for what, by in (("action", lead), ("agency", lead), ("addendum", raiser)):
        marker = planted.add(f"the {what} of {label}", _concern_rule(case, concern),
                             reached_by=_case_staff(case))
        if what == "agency":
            ConcernEvent.create(concern=concern, kind="action", text="Phoned them.",
                                agency=f"{marker} Services", by=by)
        else:
            ConcernEvent.create(concern=concern, kind=what, text=f"{marker} was added.", by=by)
    return concern


def _plant_note(app, planted, case, author, audience, label, *, shares=None, source=None,
                withdrawn=False, with_file=False, with_revision=False):
    marker = planted.add(label, None)
    note = make_note(case, author, audience, body=f"{marker} is what was said.", shares=shares,
                     source=source, withdrawn=withdrawn)
    planted.allowed[marker] = _note_rule(case, note)
    if with_file:
        content = planted.add(f"the file of {label}", _note_rule(case, note))
        # A file's own name is for staff: parties are offered "Download the summary", since a
        # name chosen by whoever saved the file can say more than the note does.
        name = planted.add(f"the file name of {label}", _history_rule(case, note))
        make_note_file(app, note, f"{content}: the session summary.\n".encode(),
                       name=f"{name}.txt", content_type="text/plain")
    if with_revision:
        earlier = planted.add(f"an earlier version of {label}", _history_rule(case, note))
        NoteRevision.create(note=note, body=f"{earlier} was said first.", author=author)
    return note


def _plant_case(app, planted, case, coaches, parties):
    """Notes of every audience and share state on `case`, and each party's own items."""
    name = case.reference
    for coach in coaches:
        _plant_note(app, planted, case, coach, Audience.PRIVATE, f"{coach.name}'s private note on {name}")
    lead = coaches[0]
    _plant_note(app, planted, case, lead, Audience.CASE_TEAM, f"a case-team note on {name}",
                with_file=True)
    _plant_note(app, planted, case, lead, Audience.STAFF, f"a staff note on {name}", with_file=True,
                with_revision=True)
    for party in parties:
        _plant_note(app, planted, case, lead, Audience.PARTIES,
                    f"a note shared with {party.name} on {name}", shares=[party], with_file=True,
                    with_revision=True)
        _plant_note(app, planted, case, lead, Audience.PARTIES,
                    f"a withdrawn note once shared with {party.name} on {name}",
                    shares=[party], withdrawn=True)
        _plant_note(app, planted, case, lead, Audience.PARTIES,
                    f"{party.name}'s own words shared back with them on {name}", shares=[party],
                    source=party)
        action_point = planted.add(f"{party.name}'s action point on {name}",
                                   _party_item_rule(case, party))
        detail = planted.add(f"the detail of {party.name}'s action point on {name}",
                             _party_item_rule(case, party))
        comment = planted.add(f"{party.name}'s comment on their action point on {name}",
                              _party_item_rule(case, party))
        ActionPoint.create(case=case, party=party, text=f"{action_point} by Friday",
                           detail=f"{detail} in detail", party_comment=f"{comment} said the party",
                           # Overdue, and commented on since the coaches last looked: on the
                           # coach's home too (its to-do).
                           party_comment_at=utcnow(), due_on=utcnow().date() - timedelta(days=1),
                           created_by=lead)
        # Overdue: on the coordinator's work queue as well as on the case page.
        overdue = planted.add(f"{party.name}'s overdue action point on {name}",
                              _party_item_rule(case, party))
        ActionPoint.create(case=case, party=party, text=f"{overdue} last week",
                           due_on=utcnow().date() - timedelta(days=7), created_by=lead)
        goal = planted.add(f"{party.name}'s goal on {name}", _party_item_rule(case, party))
        Goal.create(case=case, party=party, text=f"{goal} in the long run", created_by=lead)
    # One party's words, for another party, in every consent state.
    for source, other in zip(parties, parties[1:] + parties[:1], strict=True):
        if source == other:
            continue
        for state in (ShareState.WAITING, ShareState.GIVEN, ShareState.REFUSED,
                      ShareState.WITHDRAWN):
            _plant_note(app, planted, case, lead, Audience.PARTIES,
                        f"{source.name}'s words for {other.name}, consent {state}, on {name}",
                        shares={other: state}, source=source, with_file=True)
    # Shared with every party at once, in the staff audience: a share does not open a staff note.
    _plant_note(app, planted, case, lead, Audience.STAFF, f"a staff note naming parties on {name}",
                shares=dict.fromkeys(parties, ShareState.NOT_NEEDED))


@pytest.fixture
def planted(app):
    """The demo service, a third case, two more coaches, and markers everywhere."""
    with app.app_context():
        demo.load()
    users = {u.email: u for u in User.select()}
    tom, bea = users["coach2@example.org"], users["bea@example.org"]
    lead = users["coordinator@example.org"]
    # The demo's first two cases (its others are walked through, but hold no markers).
    mediation = Case.select().where(Case.kind == CaseKind.MEDIATION).order_by(Case.id).first()
    coaching = Case.select().where(Case.kind == CaseKind.COACHING).order_by(Case.id).first()
    # A third case: Bea (who is on the mediation case too) and someone without an account, with
    # Tom as the coach and an open safeguarding concern, so that the override is on offer. It is
    # self-funded, so that fees of two parties on one case can be told apart.
    third = Case.create(reference=Case.next_reference(utcnow().year), kind=CaseKind.COACHING,
                        dispute_type="family", funding="self_funded")
    allocate(third, tom)
    add_party(third, bea, consent_state=ConsentState.GIVEN)
    add_party(third, None, name="Cy Without Account", consent_state=ConsentState.GIVEN)
    # Two more coaches on the mediation case: one is taken off it below, one deactivated later.
    removed = make_user(Role.COACH, name="Rae Removed", email=REMOVED_COACH,
                        password=demo.DEMO_PASSWORD)
    make_user(Role.COACH, name="Dee Deactivated", email=DEACTIVATED_COACH,
              password=demo.DEMO_PASSWORD)
    allocate(mediation, removed)
    allocate(mediation, User.get(User.email == DEACTIVATED_COACH))

    result = Planted()
    for case in (mediation, coaching, third):
        coaches = [a.coach for a in case.allocations.order_by(CoachAllocation.id)]
        parties = list(case.parties.order_by(CaseParty.id))
        _plant_case(app, result, case, coaches, parties)
        if case.kind == CaseKind.MEDIATION:
            _plant_agreements(result, case, coaches[0], parties)
        for party in parties:
            _plant_contact_details(result, case, party)
        _plant_sessions(result, case, coaches[0], parties)
        _plant_timeline(result, case)

    # Money: the mediation case's scheme, and a fee for each party on the self-funded cases.
    scheme = result.add("the funding scheme of the mediation case", _funding_rule(mediation))
    Case.update(funding_scheme=f"{scheme} Trust").where(Case.id == mediation.id).execute()
    for n, party in enumerate([*coaching.parties, *third.parties]):
        pence = 71234 + 10000 * n  # shown as "712.34", "812.34", ...: distinct, and nowhere else
        result.add(f"{party.name}'s fee on {party.case.reference}", _fee_rule(party.case, party),
                   marker=f"{pence // 100}.{pence % 100:02d}")
        CaseParty.update(fee_pence=pence).where(CaseParty.id == party.id).execute()

    _plant_feedback_and_equality(result, mediation, coaching, third)
    _plant_concern(result, third, tom, lead, "a safeguarding concern on the third case")
    _plant_concern(result, mediation, removed, lead,
                   "a concern raised by the coach later taken off the mediation case")
    CoachAllocation.update(ended_at=utcnow()).where(CoachAllocation.coach == removed.id).execute()

    # The outbox: a failed email's subject and reason are for administrators (the Messages
    # page); no page shows an email's body.
    subject = result.add("the subject of a failed email", policy.can_manage_messages)
    reason = result.add("the reason an email failed", policy.can_manage_messages)
    body = result.add("the body of an email", lambda actor: False)
    OutboxMessage.create(kind=MessageKind.OTHER, recipient="someone@example.org", subject=f"About {subject}",
                         body=f"Text {body}", state=MessageState.FAILED, attempts=9, last_error=reason)
    _send_every_kind(app)
    return result


def _plant_feedback_and_equality(planted, mediation, *cases):
    """Each party's feedback, answered with words of their own (staff on the case read them,
    and the party who wrote them in their own data export: never another party, a report or an
    email), and one party's equality answer, shown as the
    case page words it (coordinators alone see it, person by person)."""
    for case in (mediation, *cases):
        for party in case.parties.order_by(CaseParty.id):
            words = planted.add(f"{party.name}'s feedback words on {case.reference}",
                                lambda actor, case=case, party=party: policy.can_read_feedback_comment(
                                    actor, queries.case_facts(case))
                                or party.id in policy.party_ids_for(actor, queries.case_facts(case)))
            planted.export_only.add(words)
            FeedbackRequest.create(case=case, party=party, token_hash=f"walk-{party.id}",
                                   expires_at=utcnow() + timedelta(days=30), answered_at=utcnow(),
                                   satisfaction=Satisfaction.DISSATISFIED, comment=f"{words} said in feedback")
    first = mediation.parties.order_by(CaseParty.id).first()
    planted.add(f"{first.name}'s equality answer", lambda actor: policy.can_view_equality_answers(
        actor, queries.case_facts(mediation)), marker="ethnic group mixed or multiple ethnic groups")
    EqualityAnswers.create(party=first, ethnicity=Ethnicity.MIXED, source=EqualitySource.PARTY)


# --- messages ---------------------------------------------------------------------------------

def _send_every_kind(app):
    """Every kind of message about the planted cases, each to everyone it could go to: the
    reminders that are due, the sessions' own (each party's calendar file about a session with
    a planted place), and every other kind through `notify` as the services call it. What a
    message says comes from its wording alone, so this is every text a message can carry."""
    from portal import notify, reminders
    from portal.models import CaseSession
    from portal.safeguarding import service as safeguarding
    from portal.sessions import service as sessions
    from portal.vocab import NotificationKind as K
    with app.test_request_context():
        reminders.run_due(utcnow())
        coordinators = list(User.select().where(User.role == Role.COORDINATOR))
        for case in Case.select().order_by(Case.id):
            parties = list(case.parties.order_by(CaseParty.id))
            for session in CaseSession.select().where(CaseSession.case == case.id):
                seats = [seat.party for seat in session.attendees]
                for kind in (K.SESSION_BOOKED, K.SESSION_MOVED, K.SESSION_CANCELLED, K.SESSION_TOMORROW):
                    sessions.tell_parties(session, kind, seats)
            for party in parties:
                for kind in notify.KINDS_FOR[Role.PARTY]:
                    notify.notify(kind, party, case, due="walk", link="/", what="mediation", sessions="",
                                  when="today", mode="online")
                if party.email:
                    notify.send_email(K.REFERRAL_RECEIVED, party.email, None, reference="RF-2026-0001")
            staff = [*queries.current_coaches(case), *coordinators]
            for user in staff:
                for kind in (notify.KINDS_FOR[Role.COACH] + notify.KINDS_FOR[Role.COORDINATOR]
                             + (K.CONCERN_OVERDUE, *notify.ALWAYS_EMAILED)):
                    notify.notify(kind, user, case, due="walk", link="/", reference=case.reference, count="1 session",
                                  level="immediate")
        # The leads' email about each concern, as raising one sends it.
        for concern in safeguarding.Concern.select().order_by(safeguarding.Concern.id):
            safeguarding.email_leads(concern, concern.case, by=concern.raised_by)


def _email_text(message):
    """An email as its reader gets it: headers (but its own address), and every part decoded
    (the calendar file too)."""
    parts = [f"{k}: {v}" for k, v in message.items() if k != "To"]
    for part in message.walk():
        if not part.is_multipart():
            parts.append(part.get_payload(decode=True).decode("utf-8", errors="replace"))
    return "\n".join(parts)


# --- walking --------------------------------------------------------------------------------

class Addresses(HTMLParser):
    """The local addresses a page offers to a GET (links, htmx GETs and forms that use GET),
    and the forms it offers to a POST, with their fields."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.htmx = set(), set()
        self.forms, self._form = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.add(attrs["href"])
        if attrs.get("hx-get"):
            self.htmx.add(attrs["hx-get"])
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            if method == "get" and attrs.get("action"):
                self.links.add(attrs["action"])
            target = attrs.get("hx-post") or (attrs.get("action") if method == "post" else None)
            self._form = PostForm(target, []) if target else None
        if self._form is not None and tag in ("input", "select", "textarea", "button") \
                and attrs.get("name"):
            self._form.fields.append(FormField(
                name=attrs["name"], tag=tag, type=(attrs.get("type") or "").lower(),
                value=attrs.get("value") or "", maxlength=attrs.get("maxlength")))

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


@dataclass(frozen=True)
class FormField:
    name: str
    tag: str
    type: str
    value: str
    maxlength: str | None


@dataclass
class PostForm:
    action: str
    fields: list


def _local(address):
    """The address as a path (and query) on this site, or None for anything to skip."""
    address, _ = urldefrag(address)
    parts = urlsplit(address)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith("/static/"):
        return None
    return address


def addresses_on(html):
    parser = Addresses()
    parser.feed(html)
    return ({a for a in map(_local, parser.links) if a},
            {a for a in map(_local, parser.htmx) if a})


def forms_on(html):
    parser = Addresses()
    parser.feed(html)
    return [f for f in parser.forms if _local(f.action)]


@dataclass
class Visit:
    address: str
    as_htmx: bool
    status: int
    text: str
    location: str | None
    is_html: bool


def _visit(address, as_htmx, response):
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    body = response.get_data().decode("utf-8", errors="replace")
    if response.mimetype == "application/pdf":
        # A PDF's text is compressed: read it as a person would, and keep the raw bytes too.
        body = _pdf_text(response.get_data()) + body
    elif response.mimetype == "application/zip":
        # A data export (subject access): data.json, index.html, every PDF and file in it.
        body = _zip_text(response.get_data())
    return Visit(address, as_htmx, response.status_code, f"{headers}\n{body}",
                 _local(response.headers.get("Location") or response.headers.get("HX-Redirect")
                        or ""),
                 response.mimetype == "text/html")


def _pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _zip_text(data):
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert "data.json" in names and "index.html" in names, names
    parts = []
    for name in names:
        content = archive.read(name)
        parts.append(f"--- {name}\n" + (_pdf_text(content) + "\n" if name.endswith(".pdf") else "")
                     + content.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def _fetch(browser, address, as_htmx):
    return _visit(address, as_htmx, browser.get(address, headers=HTMX if as_htmx else {}))


def walk(browser):
    """Breadth first from the home page, every GET the user is offered, each address once (and
    each htmx address also as htmx would fetch it)."""
    queue = deque([("/", False)])
    seen = {("/", False)}
    visits = []
    while queue:
        address, as_htmx = queue.popleft()
        visit = _fetch(browser, address, as_htmx)
        visits.append(visit)
        assert len(seen) <= MAX_ADDRESSES_PER_USER, "the walk does not end"
        links, htmx = {visit.location} - {None}, set()
        if visit.status == 200 and visit.is_html:
            links, htmx = addresses_on(visit.text)
        for key in [(a, False) for a in links | htmx] + [(a, True) for a in htmx]:
            if key not in seen:
                seen.add(key)
                queue.append(key)
    return visits


# --- posting forms with data that must be refused -------------------------------------------

CSRF = "csrf_token"


def refused_data(form, token):
    """What a careless or hostile person might post: every question answered wrongly (an
    empty answer, a choice that is not offered, more than the field takes), with a valid CSRF
    token so that the answer is about the data. None for a button-only form: it has nothing to
    get wrong, and posting it would act (sign out, deactivate, close...)."""
    questions = [f for f in form.fields
                 if f.name != CSRF and f.type not in ("hidden", "submit", "button", "file")
                 and f.tag != "button"]
    if not questions:
        return None
    data = {CSRF: token}
    for f in form.fields:
        if f.name == CSRF or f.tag == "button" or f.type in ("submit", "button", "file"):
            continue
        if f.type == "hidden":
            data[f.name] = f.value
        elif f.tag == "select" or f.type in ("radio", "checkbox"):
            data[f.name] = "not-one-of-the-choices"
        elif f.maxlength:
            data[f.name] = "x" * (int(f.maxlength) + 1)
        else:
            data[f.name] = ""
    return data


def post_refused_forms(browser, visits):
    """Every form the user was offered, posted with refused data, plainly and as htmx would;
    the answers (their text and headers), and the forms that took the data anyway."""
    forms, token = {}, None
    for visit in visits:
        if visit.status != 200 or not visit.is_html:
            continue
        for form in forms_on(visit.text):
            forms.setdefault((form.action, tuple(f.name for f in form.fields)), form)
            token = token or next((f.value for f in form.fields if f.name == CSRF), None)
    answers, accepted = [], []
    for (action, _), form in sorted(forms.items()):
        data = refused_data(form, token)
        if data is None or "sign-out" in action:
            continue
        for as_htmx in (False, True):
            response = browser.client.post(action, data=data, headers=HTMX if as_htmx else {})
            answers.append(_visit(f"POST {action}", as_htmx, response))
            if response.status_code < 400:
                accepted.append((action, as_htmx, response.status_code))
    return answers, accepted


def signed_in_browser(app, email):
    """A browser of the demo user with this email, signed in without the form."""
    return Browser(app.test_client()).enter_as(User.get(User.email == email))


# Planted markers look like MARKER042Z (fees are amounts, as they are shown); one pass of this
# pattern over a page finds them all, which keeps thousands of pages quick to search.
MARKER_PATTERN = re.compile(r"marker\d{3}z")


def markers_in(planted, visits):
    """{marker: [addresses it appeared on]}. Case does not matter: a code shown through a label
    is capitalised."""
    found = {}
    by_lower = {m.lower(): m for m in planted.where}
    others = [low for low in by_lower if not MARKER_PATTERN.fullmatch(low)]
    for visit in visits:
        text = visit.text.lower()
        here = {low for low in MARKER_PATTERN.findall(text) if low in by_lower}
        here.update(low for low in others if low in text)
        for low in here:
            found.setdefault(by_lower[low], []).append(visit.address)
    return found


def leaks(planted, actor, found):
    return {planted.where[m]: where for m, where in found.items() if not planted.allowed[m](actor)}


def check(planted, actor, label, found):
    """No marker outside what the policy allows this actor; each one it must reach, seen."""
    shown = leaks(planted, actor, found)
    assert not shown, f"{label} was shown {shown}"
    missing = sorted(planted.where[m] for m in planted.where
                     if planted.must_reach(m, actor) and m not in found)
    assert not missing, f"{label} could not reach {missing}"
    return {m for m in planted.where if planted.allowed[m](actor)}


# --- the test -------------------------------------------------------------------------------

def test_no_message_carries_a_marker_its_reader_may_not_see(app, planted, outbox):
    """Every email (its subject, body and calendar file) to every person, and every kind of
    message: what it carries is what that person may see. In practice a message carries no
    marker but the place of a party's own session, in their calendar file."""
    from portal.models import Notification
    from portal.vocab import NotificationKind
    kinds = {n.kind for n in Notification.select(Notification.kind)}
    assert kinds == set(NotificationKind) - {NotificationKind.REFERRAL_RECEIVED}
    emails = outbox()
    assert len(emails) > 100 and any(m.is_multipart() for m in emails)
    subjects, carried = set(), set()
    for message in emails:
        reader = User.get_or_none(User.email == message["To"])
        found = markers_in(planted, [Visit(f"email to {message['To']}", False, 200, _email_text(message), None,
                                           False)])
        # Someone without an account (a referrer's receipt) may be carried nothing at all.
        shown = leaks(planted, reader.actor(), found) if reader else found
        assert not shown, f"an email to {message['To']} carried {shown}"
        subjects.add(message["Subject"].split(":")[0])
        carried |= {planted.where[m] for m in found}
    # The calendar files were read: they carry the places of the parties' own sessions.
    assert carried and all("session" in label or "meeting" in label for label in carried), carried
    assert any("Your session is cancelled" == s for s in subjects)


def test_no_marker_reaches_anyone_the_policy_does_not_allow(app, planted, caplog):
    # Everything the portal and the web server log, at every level. (peewee's own DEBUG log of
    # SQL and its parameters is not part of this: it is off unless a developer turns it on.)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="peewee")
    browsers = {email: signed_in_browser(app, email) for email in WALKERS}
    # Deactivated after signing in: the session in the browser must now count for nothing.
    User.update(active=False).where(User.email == DEACTIVATED_COACH).execute()
    walks = {email: walk(browser) for email, browser in browsers.items()}
    actors = {email: User.get(User.email == email).actor() for email in WALKERS}

    every_address = {(v.address, v.as_htmx) for visits in walks.values() for v in visits}
    reached_by, guessed_found = {}, {}
    for email, visits in walks.items():
        actor, browser = actors[email], browsers[email]
        reached_by[email] = check(planted, actor, email, markers_in(planted, visits))
        # Every address anyone reached, fetched by this user too: a guessed link leaks nothing.
        mine = {(v.address, v.as_htmx) for v in visits}
        guessed = [_fetch(browser, a, h) for a, h in sorted(every_address - mine)
                   if "sign-out" not in a]
        guessed_found[email] = markers_in(planted, guessed)
        shown = leaks(planted, actor, guessed_found[email])
        assert not shown, f"{email}, following another user's links, was shown {shown}"

    # Then every form, with data that must be refused: the failed-form pages and other answers.
    # (After every GET, so that nothing a form did could change what the walks saw.)
    posted = {}
    for email, visits in walks.items():
        answers, accepted = post_refused_forms(browsers[email], visits)
        posted[email] = answers
        assert not accepted, f"{email}: forms took data that must be refused: {accepted}"
        shown = leaks(planted, actors[email], markers_in(planted, answers))
        assert not shown, f"{email}, posting forms, was shown {shown}"

    # A party's own feedback words: in their own data export, on no page of theirs.
    for email, visits in walks.items():
        if actors[email].role != Role.PARTY:
            continue
        found = markers_in(planted, visits + posted[email])
        for marker, where in (*found.items(), *guessed_found[email].items()):
            assert marker not in planted.export_only or set(where) == {"/account/data/accord-data.zip"}, \
                f"{email} was shown {planted.where[marker]} at {where}"

    logged = "\n".join(r.getMessage() for r in caplog.records).lower()
    assert not [m for m in planted.where if m.lower() in logged], "a marker reached the log"

    # The data exports were walked and read: each party's own ZIP carries markers of theirs (and,
    # by the checks above, none they may not see), and the coordinator reached the exports and
    # review lists of the parties on the planted cases.
    for email in ("alex@example.org", "bea@example.org"):
        exports = [v for v in walks[email] if v.address == "/account/data/accord-data.zip"]
        assert [v.status for v in exports] == [200] and markers_in(planted, exports[:1]), email
    coordinator_visits = walks["coordinator@example.org"]
    assert sum(v.address.endswith("/data/export.zip") and v.status == 200 for v in coordinator_visits) >= 6
    assert any(v.address.endswith("/data/for-review.html") and v.status == 200 for v in coordinator_visits)

    # The coordinator's work queue was walked, and shows what is overdue.
    queue = [v for v in walks["coordinator@example.org"] if v.address == "/coordinator"]
    overdue = [m for m, label in planted.where.items() if "overdue action point" in label]
    assert queue and overdue and all(m in queue[0].text for m in overdue)
    # The walk is meaningful: staff and parties both saw planted text, and nobody saw it all.
    assert reached_by["coordinator@example.org"] and reached_by["alex@example.org"]
    assert not reached_by["coach3@example.org"]
    assert all(len(allowed) < len(planted.where) for allowed in reached_by.values())
    # The coach taken off the case sees only the concern they raised there (by its address,
    # since nothing links to it any more), and the deactivated coach sees nothing at all.
    concern_markers = {m for m, label in planted.where.items()
                       if "raised by the coach later taken off" in label}
    assert reached_by[REMOVED_COACH] == concern_markers
    assert set(guessed_found[REMOVED_COACH]) == concern_markers
    assert not reached_by[DEACTIVATED_COACH]
    # Their old session takes them exactly where someone never signed in goes.
    anonymous = walk(Browser(app.test_client()))
    assert [(v.address, v.status) for v in walks[DEACTIVATED_COACH]] == \
        [(v.address, v.status) for v in anonymous]
    # The forms were really posted: many failed-form pages, for staff and for parties.
    for email in ("coordinator@example.org", "coach@example.org", "alex@example.org"):
        assert sum(a.status == 422 for a in posted[email]) >= 4, email


def test_reports_carry_nothing_anyone_wrote(app, planted):
    """The reports (issue 15: the page, every section's CSV and the PDF, plain and for sharing
    outside) hold counts only. Coordinators may read much of what is planted (staff notes,
    concerns, contact details), so the walk above would not notice a report that showed it: here
    the only marker a report may carry is a funding scheme's name, a row of its funding table.
    Free text a report might be tempted by is planted too: a referral's description, agency,
    referrer and safety worry, a decline reason and a case's closing note; and the parties' own
    words in their feedback (planted answered, so the feedback sections count them)."""
    from portal.models import Referral
    from portal.reports.sections import SECTIONS
    free_text = {f"REPORTFREE{n}X" for n in range(6)}
    referral = Referral.select().order_by(Referral.id).first()
    Referral.update(description="REPORTFREE0X", agency_name="REPORTFREE1X", referrer_name="REPORTFREE2X",
                    safety_worry="REPORTFREE3X", decline_reason="REPORTFREE4X", created_at=utcnow()
                    ).where(Referral.id == referral.id).execute()
    Case.update(closing_note="REPORTFREE5X").execute()
    browser = signed_in_browser(app, "coordinator@example.org")
    visits = []
    for query in ("period=this_financial_year", "period=this_financial_year&sharing=y"):
        addresses = ["/reports?" + query, "/reports/report.pdf?" + query,
                     *(f"/reports/{section.name}.csv?{query}" for section in SECTIONS)]
        visits += [_fetch(browser, address, False) for address in addresses]
    assert {v.status for v in visits} == {200}
    assert any(v.text.count(".pdf") and "Volunteer coach hours" in v.text for v in visits)
    found = markers_in(planted, visits)
    schemes = {m for m, label in planted.where.items() if "funding scheme" in label}
    assert set(found) == schemes, {planted.where[m]: where for m, where in found.items()}
    feedback_words = {m for m, label in planted.where.items() if "feedback words" in label}
    assert feedback_words and not feedback_words & set(found)
    text = "\n".join(v.text for v in visits)
    assert not [marker for marker in free_text if marker in text]
    # The referral was counted (so its words had their chance to show), and the feedback too.
    assert "Referrals received" in text
    assert "Feedback forms answered" in text and "Equality monitoring: ethnicity" in text
