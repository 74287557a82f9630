"""The stored codes live in one vocabulary module, and everything else uses its members."""

import re
from pathlib import Path

import pytest
from peewee import CharField

from portal import labels, models, service_lists, vocab
from portal.models import Case, ListEntry, Referral
from portal.vocab import CaseOutcome, ConsentState, Role, ServiceList, ShareState

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# A comparison with a quoted word: `x == 'given'`, `x != "open"`, `x in ('a', ...)` inside an if.
BARE_COMPARISON = re.compile(r"""(==|!=)\s*['"]|['"]\s*(==|!=)|\bif\b[^%]*\bin\s*\(\s*['"]""")

# Vocabularies shown with `|label` and no group, so each member needs words of its own. (The
# dispute types, case outcomes, referral sources and agency kinds are the service's own lists,
# whose words are in the database: see the end of this file.)
PLAIN_LABELLED = (vocab.Role, vocab.CaseKind, vocab.CaseStatus, vocab.Funding, vocab.ConsentState,
                  vocab.SessionMode, vocab.SessionStatus, vocab.ReferralStatus,
                  vocab.Urgency, vocab.ConcernCategory, vocab.ConcernLevel,
                  vocab.ConcernOutcome, vocab.Audience, vocab.GoalKind, vocab.Stage)
GROUPED = {"unsafe_route": vocab.UnsafeRoute, "consent_method": vocab.ConsentMethod,
           "session_kind": vocab.SessionKind, "cancelled_by": vocab.CancelledBy,
           "note_consent": vocab.ShareConsentMethod, "concern_state": vocab.ConcernState,
           "concern_event": vocab.ConcernEventKind, "agreement_standing": vocab.AgreementStanding,
           "my_consent": vocab.ConsentState, "my_session_mode": vocab.SessionMode,
           "not_accepted": vocab.AgreementState, "review_outcome": vocab.ReviewOutcome,
           "future_sessions": vocab.FutureSessions, "coaching_offer": vocab.CoachingOfferAnswer,
           "my_outcome": vocab.CaseOutcome, "message_state": vocab.MessageState,
           "message_kind": vocab.MessageKind,
           "notification": vocab.NotificationKind,
           "delivery": vocab.Delivery,
           "satisfaction": vocab.Satisfaction, "feedback_helped": vocab.FeedbackHelped,
           "feedback_situation": vocab.FeedbackSituation, "goals_met": vocab.GoalsMet,
           "age_band": vocab.AgeBand, "gender": vocab.Gender, "ethnicity": vocab.Ethnicity,
           "disability": vocab.Disability, "first_language": vocab.FirstLanguage,
           "equality_source": vocab.EqualitySource}


def test_a_member_is_the_stored_string():
    assert ShareState.GIVEN == "given"
    assert {"given": 1}[ShareState.GIVEN] == 1
    assert f"{Role.COACH}" == "coach"
    assert str(CaseOutcome.PARTLY_RESOLVED) == "partly_resolved"


def test_has_tells_a_known_value_from_anything_else():
    assert ConsentState.has("withdrawn")
    assert ConsentState.has(ConsentState.PENDING)
    assert not ConsentState.has("maybe")
    assert not ConsentState.has(None)
    assert not ConsentState.has("")


def test_no_template_compares_against_a_bare_string():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for tag in re.findall(r"{%.*?%}", line):
                # A form field's type is the name of its WTForms class, not a stored code.
                if BARE_COMPARISON.search(tag) and "f.type" not in tag:
                    found.append(f"{path.relative_to(TEMPLATES)}:{number}: {tag}")
    assert found == []


def test_the_check_for_bare_strings_finds_one():
    assert BARE_COMPARISON.search("{% if share.state == 'given' %}")
    assert BARE_COMPARISON.search('{% if "open" != case.status %}')
    assert BARE_COMPARISON.search("{% if s.mode in ('online', 'telephone') %}")
    assert not BARE_COMPARISON.search("{% if share.state == ShareState.GIVEN %}")
    assert not BARE_COMPARISON.search("{% for name in ('status', 'level') %}")


def test_every_vocabulary_is_a_template_global(app):
    for vocabulary in vocab.VOCABULARIES:
        assert app.jinja_env.globals[vocabulary.__name__] is vocabulary


@pytest.mark.parametrize("vocabulary", PLAIN_LABELLED, ids=lambda v: v.__name__)
def test_every_code_shown_plainly_has_words(vocabulary):
    missing = [member for member in vocabulary if member not in labels.LABELS]
    assert missing == []


@pytest.mark.parametrize("group", sorted(GROUPED))
def test_every_code_of_a_group_has_words_in_it(group):
    assert set(labels.GROUPS[group]) == set(GROUPED[group])


def test_words_are_keyed_by_members_only():
    members = {member for vocabulary in vocab.VOCABULARIES for member in vocabulary}
    keys = set(labels.LABELS) | {key for words in labels.GROUPS.values() for key in words}
    assert keys - members == set()


def test_coded_fields_take_their_choices_from_a_vocabulary():
    codes_of = {tuple(v.values()) for v in vocab.VOCABULARIES}
    coded = [(model.__name__, field.name) for model in models.MODELS for field in model._meta.sorted_fields
             if isinstance(field, CharField) and field.choices]
    assert len(coded) >= 25
    for model in models.MODELS:
        for field in model._meta.sorted_fields:
            if isinstance(field, CharField) and field.choices:
                assert tuple(code for code, _ in field.choices) in codes_of, (model.__name__, field.name)


# --- the columns that hold codes of the service's own lists (issue 15) ---------------------------

# Each column, and the list whose entries' codes it holds (not a vocabulary: the service adds to
# these lists in the portal, so the column has no fixed choices).
LIST_COLUMNS = {
    (Referral, "source"): ServiceList.REFERRAL_SOURCE,
    (Referral, "agency_type"): ServiceList.AGENCY_KIND,
    (Referral, "dispute_type"): ServiceList.DISPUTE_TYPE,
    (Case, "dispute_type"): ServiceList.DISPUTE_TYPE,
    (Case, "outcome"): ServiceList.CASE_OUTCOME,
    (Case, "funding_scheme"): ServiceList.FUNDING_SCHEME,
    (Case, "office"): ServiceList.OFFICE,
}


def test_the_list_columns_are_the_only_coded_text_without_choices_that_lists_know():
    for (model, name), _ in LIST_COLUMNS.items():
        field = model._meta.fields[name]
        assert isinstance(field, CharField) and not field.choices, (model.__name__, name)


@pytest.mark.parametrize(("vocabulary", "name"), [(v, n) for n, v in service_lists.SEEDED_FROM.items()],
                         ids=lambda x: getattr(x, "__name__", str(x)))
def test_every_member_of_a_lists_vocabulary_is_an_entry_and_the_built_in_ones_are_active(app, vocabulary, name):
    codes = {e.code for e in service_lists.entries(name, include_retired=False)}
    assert set(vocabulary.values()) <= codes
    assert service_lists.BUILT_IN[name] <= set(vocabulary.values())


def test_the_built_in_entries_are_those_the_code_relies_on():
    assert service_lists.BUILT_IN == {
        ServiceList.REFERRAL_SOURCE: {"self", "agency"}, ServiceList.AGENCY_KIND: {"other"},
        ServiceList.DISPUTE_TYPE: {"other"},
        ServiceList.CASE_OUTCOME: {"resolved", "partly_resolved", "not_resolved", "withdrawn", "not_suitable"},
        ServiceList.FUNDING_SCHEME: set(), ServiceList.OFFICE: set()}


def test_every_stored_list_code_names_an_entry_of_its_list(app):
    """On the demo's data: every value the list columns hold is an entry's code."""
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    entries = {(e.list, e.code) for e in ListEntry.select()}
    checked = 0
    for (model, name), list_name in LIST_COLUMNS.items():
        column = model._meta.fields[name]
        for (value,) in model.select(column).where(column.is_null(False)).distinct().tuples():
            assert (list_name, value) in entries, (model.__name__, name, value)
            checked += 1
    assert checked >= 12


def test_a_stored_code_that_is_no_entry_would_be_found(app):
    Case.create(reference="AC-2026-9999", kind="mediation", dispute_type="not_a_type")
    entries = {(e.list, e.code) for e in ListEntry.select()}
    assert (ServiceList.DISPUTE_TYPE, "not_a_type") not in entries
