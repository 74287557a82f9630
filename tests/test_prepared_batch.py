"""`queries.PreparedBatch`: a page's statement written once per shape and bound to each request's
user, case and time. Through the kept text every user gets exactly what their own queries give
alone, however the users follow each other (two of the same role, and of every role), and a
builder that could make one user's text wrong for another is refused."""

from datetime import timedelta

import pytest
from flask_login import current_user, login_user

from portal.models import Note, User, utcnow
from portal.queries.prepared import PreparedBatch, PreparedError
from portal.vocab import Audience, Role
from tests.conftest import enter_as
from tests.factories import (
    add_party,
    allocate,
    make_action_point,
    make_busy_service,
    make_case,
    make_note,
    make_session,
    make_user,
)
from tests.test_query_batch import lists_of, loaded
from tests.test_query_budgets import counting_statements


def every_list(batch, user, case, shape):
    return {name: batch.rows(query) for name, query in lists_of(user, case).items()}


@pytest.fixture
def service(app):
    people, big = make_busy_service(app, 1)
    # A second coach and a second party, each with rows of their own the first may not see.
    other = make_case()
    people["second coach"] = make_user(Role.COACH)
    allocate(other, people["second coach"])
    make_note(other, people["second coach"], Audience.CASE_TEAM, body="the second coach's note")
    people["second party"] = make_user(Role.PARTY)
    add_party(big, people["second party"])
    add_party(other, people["party"])
    return people, [big, other]


def test_every_user_gets_their_own_rows_through_the_kept_text(service):
    people, cases = service
    prepared = PreparedBatch("every list", every_list)
    got = {}
    # Twice round, so that each text is made for one user and then used for the others.
    for _ in range(2):
        for case in cases:
            for who, user in people.items():
                with counting_statements() as seen:
                    lists = prepared.run(user, case)
                assert len(seen) == 1, who
                for name, query in lists_of(user, case).items():
                    alone = [loaded(r) for r in query]
                    assert [loaded(r) for r in lists[name].rows] == alone, (who, case.id, name)
                    got[who, case.id, name] = alone
    # One text per role (both cases have the same shape), each used by every user of that role.
    assert len(prepared._kept) == 3
    # Users of the same role do see different things here, so a shared text would have shown.
    big, other = cases
    assert got["coach", big.id, "notes"] and not got["second coach", big.id, "notes"]
    assert got["second coach", other.id, "notes"] and not got["coach", other.id, "notes"]
    assert got["party", big.id, "a party's own records"] != got["second party", big.id, "a party's own records"]


def test_a_builder_reading_what_is_not_in_the_key_is_refused(service):
    people, cases = service
    prepared = PreparedBatch("by email", lambda batch, user, case, shape: batch.rows(
        User.select().where(User.email == user.email)))
    with pytest.raises(PreparedError):
        prepared.run(people["coach"], cases[0])
    assert not prepared._kept


def test_a_builder_deciding_on_an_id_is_refused(service):
    people, cases = service

    def build(batch, user, case, shape):
        return batch.rows(Note.select().where(Note.case == case.id) if user.id == 1 else Note.select())
    with pytest.raises(PreparedError):
        PreparedBatch("by id", build).run(people["coach"], cases[0])


def test_a_time_written_into_the_text_is_refused_but_a_time_given_as_a_value_is_bound(service):
    people, cases = service
    own_clock = PreparedBatch("own clock", lambda batch, user, case, shape: batch.rows(
        Note.select().where(Note.case == case.id, Note.created_at <= utcnow())))
    with pytest.raises(PreparedError):
        own_clock.run(people["coach"], cases[0])
    given = PreparedBatch("given", lambda batch, user, case, shape, now: batch.rows(
        Note.select(Note.id).where(Note.case == case.id, Note.created_at <= now)))
    everything = {n.id for n in Note.select(Note.id).where(Note.case == cases[0].id)}
    assert {n.id for n in given.run(people["coach"], cases[0], now=utcnow()).rows} == everything
    long_ago = min(n.created_at for n in Note.select().where(Note.case == cases[0].id))
    assert given.run(people["coach"], cases[0], now=long_ago.replace(year=2000)).rows == []


def test_the_signed_in_user_is_a_stand_in_while_the_text_is_made(app, service):
    people, cases = service
    prepared = PreparedBatch("current user", lambda batch, user, case, shape: batch.rows(
        User.select().where(User.email == current_user.email)))
    with app.test_request_context("/"):
        login_user(people["coach"])
        with pytest.raises(PreparedError):
            prepared.run(people["coach"], cases[0])
        assert current_user.email == people["coach"].email  # the real one again afterwards


def test_making_each_page_s_text_runs_no_statement(app, service, monkeypatch):
    """A builder that ran a query while its text is made would run it for the stand-ins (ids no
    row has) and could keep an empty answer in the text for everyone after; the pages' builders
    only build. Each page's text is made afresh here, for every role that reaches it."""
    from portal.actions.routes import _MINE
    from portal.cases.view import _CASE_PAGE
    from portal.home import _COACH_HOME, _PARTY_HOME
    from portal.notes.shared import _SHARED
    people, cases = service
    pages = {page.name: page for page in (_CASE_PAGE, _COACH_HOME, _MINE, _PARTY_HOME, _SHARED)}
    for page in pages.values():
        monkeypatch.setattr(page, "_kept", type(page._kept)())
    made = []
    real_prepare = PreparedBatch._prepare

    def prepare(self, *args, **kwargs):
        with counting_statements() as seen:
            template = real_prepare(self, *args, **kwargs)
        made.append((self.name, list(seen)))
        return template
    monkeypatch.setattr(PreparedBatch, "_prepare", prepare)
    for who in ("admin", "coach", "party"):
        client = app.test_client()
        enter_as(client, people[who])
        urls = {"admin": [f"/cases/{cases[0].reference}"], "coach": [f"/cases/{cases[0].reference}", "/coach"],
                "party": ["/party", "/action-points", "/shared"]}[who]
        for url in urls:
            assert client.get(url).status_code == 200, (who, url)
    assert {name for name, _ in made} == set(pages)
    assert [(name, statements) for name, statements in made if statements] == []


def test_every_user_gets_their_own_coach_s_home_through_the_kept_text(service):
    """The coach's home (its builder, as the page runs it): each user's lists and counts are
    what their own queries give alone, at two times bound into one kept text, for two coaches
    who see different sessions and every other role."""
    from portal import home, queries
    people, (big, other) = service
    theirs = make_session(other, parties=list(other.parties), coaches=[people["second coach"]],
                          starts_at=utcnow() + timedelta(days=2))
    make_action_point(other, list(other.parties)[0], due_in_days=-3)
    prepared = PreparedBatch("a coach's home page", home._reserve_coach_home)
    shape = (1, 2, 3, 2, 5)
    got = {}
    for since in (utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)):
        for who, user in people.items():
            with counting_statements() as seen:
                lists = prepared.run(user, None, shape, since=since, today=since.date())
            assert len(seen) == 1, who
            alone = {
                "cases": queries.coach_case_list(user).paginate(1, 2),
                "diary": queries.coach_diary(user, since).limit(3),
                "parties": queries.session_party_names(queries.coach_diary(user, since).limit(3)),
                "overdue": queries.overdue_action_points(user, since.date()).limit(2),
                "notes_to_write": queries.notes_to_write(user).limit(2),
                "reviews": queries.agreement_reviews(user).limit(2),
                "requests": queries.open_session_requests(user).limit(5),
            }
            rows = {"cases": lists["cases"].page().rows, "overdue": lists["todo"]["overdue"][0].rows,
                    "notes_to_write": lists["todo"]["notes_to_write"][0].rows,
                    **{name: lists[name].rows for name in ("diary", "parties", "reviews", "requests")}}
            for name, query in alone.items():
                assert [loaded(r) for r in rows[name]] == [loaded(r) for r in query], (who, since, name)
            assert lists["cases"].page().total == queries.coach_case_list(user).count(), who
            assert lists["diary_total"].total == queries.coach_diary(user, since).count(), (who, since)
            assert lists["todo"]["overdue"][1].total == queries.overdue_action_points(user, since.date()).count()
            got[who, since] = ({s.id for s in rows["diary"]}, {a.id for a in rows["overdue"]},
                               lists["diary_total"].total)
    assert len(prepared._kept) == 3  # one text per role, bound to both times
    early, late = sorted({since for _, since in got})
    # The two coaches see different sessions and action points, and the later time fewer sessions.
    assert theirs.id in got["second coach", early][0] and theirs.id not in got["coach", early][0]
    assert got["coach", early][2] > got["coach", late][2] > 0
    assert got["second coach", early][1] and not got["second coach", early][1] & got["coach", early][1]
