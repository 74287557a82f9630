"""The leak test: marked confidential text appears only where the policy allows it.

The demo service is loaded, a third case is added, and unique marker strings are planted in
notes of every audience and share state (with files, file names and earlier versions), in
action points, goals and a safeguarding concern, across the three cases. Then every demo user
signs in through the form and walks everything they can reach with GET: links, htmx endpoints
(fetched as htmx would), forms that search with GET, and every download. Afterwards each user
also fetches every address that anyone reached, which catches a page that leaks when visited
by a guessed or shared link rather than one that was linked.

A marker may appear in a response (body or headers) only if `portal.policy` allows that user to
read the thing it was planted in; and every marker the policy allows must be seen somewhere, so
that a walk that quietly stops reaching pages makes the test fail rather than pass. Nothing the
walk does may put a marker in a log line.
"""

import io
import logging
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from pypdf import PdfReader

from portal import demo, policy, queries
from portal.models import (
    ActionPoint, AgreementChangeRequest, Case, CaseParty, CoachAllocation, Goal, NoteRevision,
    User, utcnow,
)
from tests.conftest import Browser
from tests.factories import (
    add_party, allocate, make_agreement, make_agreement_term, make_concern, make_note,
    make_note_file,
)

HTMX = {"HX-Request": "true"}
# A walk that reaches more than this many addresses for one user has lost its way (a link that
# grows on every page, say); the test fails rather than run for ever.
MAX_ADDRESSES_PER_USER = 600


# --- planting -------------------------------------------------------------------------------

@dataclass
class Planted:
    """Every marker, with the rule that says who may see it (a function of the actor)."""
    allowed: dict = field(default_factory=dict)   # marker -> callable(actor) -> bool
    where: dict = field(default_factory=dict)     # marker -> what it was planted in

    def add(self, label, rule):
        marker = f"MARKER{len(self.allowed):03d}Z"
        self.allowed[marker] = rule
        self.where[marker] = label
        return marker


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
    for state in (policy.AGREEMENT_DRAFT, policy.AGREEMENT_PROPOSED):
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
        _plant_note(app, planted, case, coach, policy.PRIVATE, f"{coach.name}'s private note on {name}")
    lead = coaches[0]
    _plant_note(app, planted, case, lead, policy.CASE_TEAM, f"a case-team note on {name}",
                with_file=True)
    _plant_note(app, planted, case, lead, policy.STAFF, f"a staff note on {name}", with_file=True,
                with_revision=True)
    for party in parties:
        _plant_note(app, planted, case, lead, policy.PARTIES,
                    f"a note shared with {party.name} on {name}", shares=[party], with_file=True,
                    with_revision=True)
        _plant_note(app, planted, case, lead, policy.PARTIES,
                    f"a withdrawn note once shared with {party.name} on {name}",
                    shares=[party], withdrawn=True)
        _plant_note(app, planted, case, lead, policy.PARTIES,
                    f"{party.name}'s own words shared back with them on {name}", shares=[party],
                    source=party)
        action_point = planted.add(f"{party.name}'s action point on {name}",
                                   _party_item_rule(case, party))
        ActionPoint.create(case=case, party=party, text=f"{action_point} by Friday",
                           due_on=utcnow().date(), created_by=lead)
        goal = planted.add(f"{party.name}'s goal on {name}", _party_item_rule(case, party))
        Goal.create(case=case, party=party, text=f"{goal} in the long run", created_by=lead)
    # One party's words, for another party, in every consent state.
    for source, other in zip(parties, parties[1:] + parties[:1], strict=True):
        if source == other:
            continue
        for state in (policy.SHARE_WAITING, policy.SHARE_GIVEN, policy.SHARE_REFUSED,
                      policy.SHARE_WITHDRAWN):
            _plant_note(app, planted, case, lead, policy.PARTIES,
                        f"{source.name}'s words for {other.name}, consent {state}, on {name}",
                        shares={other: state}, source=source, with_file=True)
    # Shared with every party at once, in the staff audience: a share does not open a staff note.
    _plant_note(app, planted, case, lead, policy.STAFF, f"a staff note naming parties on {name}",
                shares=dict.fromkeys(parties, policy.SHARE_NOT_NEEDED))


@pytest.fixture
def planted(app):
    """The demo service, a third case, and markers everywhere."""
    with app.app_context():
        demo.load()
    users = {u.email: u for u in User.select()}
    tom, bea = users["coach2@example.org"], users["bea@example.org"]
    # A third case: Bea (who is on the mediation case too) and someone without an account, with
    # Tom as the coach and an open safeguarding concern, so that the override is on offer.
    third = Case.create(reference=Case.next_reference(utcnow().year), kind=Case.COACHING,
                        dispute_type="family", funding="funded")
    allocate(third, tom)
    add_party(third, bea, consent_state=CaseParty.GIVEN)
    add_party(third, None, name="Cy Without Account", consent_state=CaseParty.GIVEN)

    result = Planted()
    for case in Case.select().order_by(Case.id):
        coaches = [a.coach for a in case.allocations.order_by(CoachAllocation.id)]
        parties = list(case.parties.order_by(CaseParty.id))
        _plant_case(app, result, case, coaches, parties)
        if case.kind == Case.MEDIATION:
            _plant_agreements(result, case, coaches[0], parties)
    marker = result.add("a safeguarding concern on the third case", None)
    concern = make_concern(third, tom, description=f"{marker} was disclosed.")
    result.allowed[marker] = _concern_rule(third, concern)
    return result


# --- walking --------------------------------------------------------------------------------

class Addresses(HTMLParser):
    """The local addresses a page offers to a GET: links, htmx GETs and forms that use GET."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.htmx = set(), set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.add(attrs["href"])
        if attrs.get("hx-get"):
            self.htmx.add(attrs["hx-get"])
        if tag == "form" and (attrs.get("method") or "get").lower() == "get" and attrs.get("action"):
            self.links.add(attrs["action"])


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


@dataclass
class Visit:
    address: str
    as_htmx: bool
    status: int
    text: str
    location: str | None
    is_html: bool


def _fetch(browser, address, as_htmx):
    response = browser.get(address, headers=HTMX if as_htmx else {})
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    body = response.get_data().decode("utf-8", errors="replace")
    if response.mimetype == "application/pdf":
        # A PDF's text is compressed: read it as a person would, and keep the raw bytes too.
        pages = PdfReader(io.BytesIO(response.get_data())).pages
        body = "\n".join(page.extract_text() for page in pages) + body
    return Visit(address, as_htmx, response.status_code, f"{headers}\n{body}",
                 _local(response.headers.get("Location") or response.headers.get("HX-Redirect")
                        or ""),
                 response.mimetype == "text/html")


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


def sign_in(app, email):
    browser = Browser(app.test_client())
    response = browser.submit("/sign-in", {"email": email, "password": demo.DEMO_PASSWORD})
    assert response.status_code in (302, 303), email
    return browser


def markers_in(planted, visits):
    """{marker: [addresses it appeared on]}"""
    found = {}
    for visit in visits:
        for marker in planted.allowed:
            if marker in visit.text:
                found.setdefault(marker, []).append(visit.address)
    return found


def check(planted, actor, label, found):
    """No marker outside what the policy allows this actor; each one it allows, seen."""
    allowed = {m for m, rule in planted.allowed.items() if rule(actor)}
    leaks = {planted.where[m]: where for m, where in found.items() if m not in allowed}
    assert not leaks, f"{label} was shown {leaks}"
    missing = sorted(planted.where[m] for m in allowed - set(found))
    assert not missing, f"{label} could not reach {missing}"
    return allowed


# --- the test -------------------------------------------------------------------------------

def test_no_marker_reaches_anyone_the_policy_does_not_allow(app, planted, caplog):
    # Everything the portal and the web server log, at every level. (peewee's own DEBUG log of
    # SQL and its parameters is not part of this: it is off unless a developer turns it on.)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="peewee")
    walks = {}
    for email, _ in demo.SIGN_INS:
        browser = sign_in(app, email)
        walks[email] = (browser, walk(browser))

    every_address = {(v.address, v.as_htmx) for _, visits in walks.values() for v in visits}
    reached_by = {}
    for email, (browser, visits) in walks.items():
        actor = User.get(User.email == email).actor()
        allowed = check(planted, actor, email, markers_in(planted, visits))
        reached_by[email] = allowed
        # Every address anyone reached, fetched by this user too: a guessed link leaks nothing.
        mine = {(v.address, v.as_htmx) for v in visits}
        guessed = [_fetch(browser, a, h) for a, h in sorted(every_address - mine)
                   if "sign-out" not in a]
        leaks = {planted.where[m]: where for m, where in markers_in(planted, guessed).items()
                 if m not in allowed}
        assert not leaks, f"{email}, following another user's links, was shown {leaks}"

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert not [m for m in planted.allowed if m in logged], "a marker reached the log"

    # The walk is meaningful: staff and parties both saw planted text, and nobody saw it all.
    assert reached_by["coordinator@example.org"] and reached_by["alex@example.org"]
    assert not reached_by["coach3@example.org"]
    assert all(len(allowed) < len(planted.allowed) for allowed in reached_by.values())
