"""`queries.Batch`: several queries as one statement, each list exactly what its query gives
when it runs alone (the same rows in the same order, the same columns and nothing more, the
same joined models and extra columns), on SQLite and PostgreSQL."""

import pytest

from portal import queries
from portal.models import Note
from portal.queries.batch import Batch
from tests.factories import make_busy_service
from tests.test_query_budgets import counting_statements


def loaded(row):
    """What a row carries: its columns, its extra columns and the columns of its joined rows."""
    return (type(row), dict(row.__data__),
            {k: v for k, v in vars(row).items() if not k.startswith("_")},
            {name: (type(rel), dict(rel.__data__)) for name, rel in row.__rel__.items()})


def lists_of(user, case):
    """The lists the case page and a party's pages show, as each user gets them."""
    return {
        "parties": queries.parties_with_contact_visible_to(user, case),
        "consent history": queries.consent_history_visible_to(user, case),
        "coaches": queries.current_coaches(case),
        "sessions": queries.sessions_visible_to(user, case),
        "a page of sessions": queries.sessions_visible_to(user, case).paginate(2, 2),
        "attendees": queries.session_seats(queries.sessions_visible_to(user, case)),
        "session coaches": queries.session_coaches_of(queries.sessions_visible_to(user, case)),
        "notes": queries.notes_visible_to(user, case),
        "shares": queries.note_shares_visible_to(user, case),
        "files": queries.note_files_visible_to(user, case),
        "override reads": queries.override_reads_visible_to(user, case),
        "override list": queries.override_list(user, case),
        "timeline": queries.case_events_visible_to(user, case),
        "a coach's cases": queries.coach_case_list(user),
        "reviews": queries.agreement_reviews(user),
        "a party's sessions": queries.party_sessions(user),
        "a party's agreements": queries.party_agreements(user),
        "a party's action points": queries.party_action_points(user),
        "share requests": queries.share_requests_for(user),
        "notes shared with a party": queries.notes_shared_with(user),
        "their files": queries.files_shared_with(user),
        "files of share requests": queries.files_of_share_requests_for(user),
        "a party's own records": queries.own_party_records(user),
    }


@pytest.fixture
def service(app):
    return make_busy_service(app, 2)


def test_every_list_comes_back_as_its_query_gives_it_alone(service):
    people, big = service
    for who, user in people.items():
        lists = lists_of(user, big)
        batch = Batch()
        rows = {name: batch.rows(query) for name, query in lists.items()}
        counts = {name: batch.count(query) for name, query in lists.items()}
        with counting_statements() as seen:
            batch.run()
        assert len(seen) == 1
        for name, query in lists.items():
            alone = list(query)
            assert [loaded(r) for r in rows[name].rows] == [loaded(r) for r in alone], (who, name)
            assert counts[name].total == query.count(), (who, name)
        assert any(rows[name].rows for name in lists), who


def test_an_empty_batch_runs_nothing(app):
    with counting_statements() as seen:
        Batch().run()
    assert seen == []


def test_a_distinct_query_is_refused(app):
    with pytest.raises(ValueError):
        Batch().rows(Note.select().distinct())
