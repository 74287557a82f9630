"""The stored codes live in one vocabulary module, and everything else uses its members."""

import re
from pathlib import Path

import pytest
from peewee import CharField

from portal import labels, models, vocab
from portal.vocab import CaseOutcome, ConsentState, Role, ShareState

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# A comparison with a quoted word: `x == 'given'`, `x != "open"`, `x in ('a', ...)` inside an if.
BARE_COMPARISON = re.compile(r"""(==|!=)\s*['"]|['"]\s*(==|!=)|\bif\b[^%]*\bin\s*\(\s*['"]""")

# Vocabularies shown with `|label` and no group, so each member needs words of its own.
PLAIN_LABELLED = (vocab.Role, vocab.CaseKind, vocab.CaseStatus, vocab.DisputeType, vocab.Funding,
                  vocab.CaseOutcome, vocab.ConsentState, vocab.SessionMode, vocab.SessionStatus,
                  vocab.ReferralStatus, vocab.Urgency, vocab.ConcernCategory, vocab.ConcernLevel,
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
