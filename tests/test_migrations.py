"""`flask db upgrade` creates a new database and upgrades an existing one in place; the demo loads once.

Each test here starts from an empty database of its own: a new SQLite file, or a new PostgreSQL
schema when TEST_DATABASE_URL is set.
"""

import hashlib
import shutil
import types
from datetime import UTC, datetime

import pytest
from peewee import CharField, Model

from portal import migrations
from portal.config import TestConfig
from portal.db import database
from portal.migrations import m0001_initial
from portal.models import MODELS, Agreement, Case, NoteFile, SchemaMigration, StoredFile, User
from portal.vocab import AgreementState, Audience, CaseKind, CaseStatus, DisputeType, Role
from tests.apps import build_app, new_database_url
from tests.conftest import enter_as
from tests.factories import make_user


@pytest.fixture
def fresh_app(tmp_path):
    with new_database_url(tmp_path) as url:
        yield build_app(TestConfig, tmp_path, DATABASE_URL=url)


def flask(app, *args):
    """Run a `flask --app wsgi ...` command against `app`; fail the test on a crash."""
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def stamps():
    return [(m.number, m.name, m.applied_at) for m in SchemaMigration.select().order_by(SchemaMigration.number)]


def test_a_new_database_gets_every_table_and_every_stamp(fresh_app):
    assert not any(database.table_exists(m._meta.table_name) for m in MODELS)
    result = flask(fresh_app, "db", "upgrade")
    assert result.exit_code == 0
    missing = [m._meta.table_name for m in MODELS if not database.table_exists(m._meta.table_name)]
    assert missing == []
    assert [(n, name) for n, name, _ in stamps()] == [(n, m.NAME) for n, m in migrations.MIGRATIONS]


def test_a_second_upgrade_changes_nothing(fresh_app):
    flask(fresh_app, "db", "upgrade")
    user = make_user()
    before = stamps()
    result = flask(fresh_app, "db", "upgrade")
    assert result.exit_code == 0
    assert stamps() == before
    assert User.get_by_id(user.id).email == user.email


class UserWithPronouns(Model):
    """The user table as the simulated later migration leaves it."""
    email = CharField()
    pronouns = CharField()

    class Meta:
        database = database
        table_name = "user"


def later_migration(calls, fail=False):
    """A test-local migration module: NAME, and upgrade(db, migrator) adding a column."""
    from playhouse.migrate import migrate

    def upgrade(db, migrator):
        calls.append(db)
        migrate(migrator.add_column("user", "pronouns", CharField(max_length=40, default="")))
        if fail:
            raise RuntimeError("the migration broke half way")

    return types.SimpleNamespace(NAME="user pronouns", upgrade=upgrade)


def next_number():
    return max(number for number, _ in migrations.MIGRATIONS) + 1


def user_columns():
    return {column.name for column in database.get_columns("user")}


def test_a_later_migration_upgrades_an_existing_database_in_place(fresh_app, monkeypatch):
    flask(fresh_app, "db", "upgrade")
    alice = make_user(name="Alice Existing")
    bob = make_user(name="Bob Existing")
    calls = []
    number = next_number()
    monkeypatch.setattr(migrations, "MIGRATIONS",
                        [*migrations.MIGRATIONS, (number, later_migration(calls))])

    result = flask(fresh_app, "db", "upgrade")

    assert result.exit_code == 0
    assert len(calls) == 1
    assert "pronouns" in user_columns()
    kept = {u.id: (u.email, u.pronouns) for u in UserWithPronouns.select()}
    assert kept == {alice.id: (alice.email, ""), bob.id: (bob.email, "")}
    assert SchemaMigration.get(SchemaMigration.number == number).name == "user pronouns"
    # Once is enough.
    flask(fresh_app, "db", "upgrade")
    assert len(calls) == 1
    assert SchemaMigration.select().where(SchemaMigration.number == number).count() == 1


def test_a_new_database_is_created_with_later_migrations_already_stamped(fresh_app, monkeypatch):
    calls = []
    number = next_number()
    monkeypatch.setattr(migrations, "MIGRATIONS",
                        [*migrations.MIGRATIONS, (number, later_migration(calls))])
    flask(fresh_app, "db", "upgrade")
    # The models are the current schema: nothing to apply on top of them.
    assert calls == []
    assert SchemaMigration.select().where(SchemaMigration.number == number).exists()


def test_a_migration_that_fails_leaves_the_database_as_it_was(fresh_app, monkeypatch):
    flask(fresh_app, "db", "upgrade")
    user = make_user()
    number = next_number()
    monkeypatch.setattr(migrations, "MIGRATIONS",
                        [*migrations.MIGRATIONS, (number, later_migration([], fail=True))])
    result = fresh_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code != 0
    assert "pronouns" not in user_columns()
    assert not SchemaMigration.select().where(SchemaMigration.number == number).exists()
    assert User.get_by_id(user.id).email == user.email
    # Mended, it applies.
    monkeypatch.setattr(migrations, "MIGRATIONS",
                        [*migrations.MIGRATIONS[:-1], (number, later_migration([]))])
    assert flask(fresh_app, "db", "upgrade").exit_code == 0
    assert "pronouns" in user_columns()


def schema_of(db):
    """Tables, columns, indexes and foreign keys, in a form that does not depend on column order."""
    schema = {}
    for table in db.get_tables():
        schema[table] = {
            "columns": {(c.name, c.data_type.lower(), c.null, c.primary_key) for c in db.get_columns(table)},
            "indexes": {(tuple(i.columns), i.unique) for i in db.get_indexes(table)},
            "foreign keys": {(f.column, f.dest_table, f.dest_column) for f in db.get_foreign_keys(table)},
        }
    return schema


def test_a_database_from_the_first_release_upgrades_to_the_current_schema(tmp_path):
    """Every change to portal/models.py needs a migration: without one, an existing database
    would be told it is up to date and then miss a table or a column."""
    with new_database_url(tmp_path, "new") as new_url:
        app = build_app(TestConfig, tmp_path, DATABASE_URL=new_url)
        flask(app, "db", "upgrade")
        with database.connection_context():
            current = schema_of(database)

    with new_database_url(tmp_path, "first-release") as old_url:
        app = build_app(TestConfig, tmp_path, DATABASE_URL=old_url)
        # What `db upgrade` made of a new database at the first release: migration 1's tables.
        with database.connection_context():
            m0001_initial.upgrade(database.obj, migrations.migrator_for(database.obj))
            SchemaMigration.create(number=1, name=m0001_initial.NAME)
        flask(app, "db", "upgrade")
        with database.connection_context():
            upgraded = schema_of(database)
            numbers = [n for n, _, _ in stamps()]

    assert sorted(upgraded) == sorted(current)
    for table in current:
        assert upgraded[table] == current[table], table
    assert numbers == [n for n, _ in migrations.MIGRATIONS]


# --- migration 7: stored files move into the database ---------------------------------------

OLD_NOTE_FILE = b"%PDF-1.4\n% a summary kept on the old server's disk\n"
OLD_AGREEMENT_PDF = b"%PDF-1.7\n% the final agreement every party accepted\n"


def database_at(number):
    """A database as `db upgrade` left it when migration `number` was the latest."""
    m0001_initial.upgrade(database.obj, migrations.migrator_for(database.obj))
    SchemaMigration.create(number=1, name=m0001_initial.NAME)
    migrations.upgrade(database.obj, [m for m in migrations.MIGRATIONS if m[0] <= number])


def rows_with_files_on_disk(folder):
    """A coordinator, a case, a staff note with a file and a final agreement with its PDF, in the
    tables as they were (m0001's frozen models: these tables did not change until migration 7),
    each file under `folder` by its storage key as portal/storage.py kept it. Returns the ids."""
    frozen = m0001_initial
    now = datetime.now(UTC).replace(tzinfo=None)
    folder.mkdir()
    with database.obj.bind_ctx(frozen.TABLES):
        user = frozen.User.create(name="Cleo Coordinator", email="cleo@example.test", role=Role.COORDINATOR,
                                  is_safeguarding_lead=False, is_admin=False, active=True,
                                  session_token="token-of-cleo", created_at=now)
        case = frozen.Case.create(reference="AC-2024-0007", kind=CaseKind.MEDIATION, status=CaseStatus.OPEN,
                                  dispute_type=DisputeType.NEIGHBOUR, session_allowance=3, created_at=now)
        note = frozen.Note.create(case=case, author=user, audience=Audience.STAFF, is_summary=True, body="",
                                  created_at=now, updated_at=now)
        (folder / "note-file-key").write_bytes(OLD_NOTE_FILE)
        note_file = frozen.NoteFile.create(note=note, original_name="summary.pdf", content_type="application/pdf",
                                           size_bytes=len(OLD_NOTE_FILE), storage_key="note-file-key",
                                           sha256=hashlib.sha256(OLD_NOTE_FILE).hexdigest(), created_at=now)
        (folder / "agreement-key").write_bytes(OLD_AGREEMENT_PDF)
        agreement = frozen.Agreement.create(case=case, title="Quiet hours", version=1, state=AgreementState.FINAL,
                                            other_terms="", created_by=user, created_at=now, finalised_at=now,
                                            pdf_sha256=hashlib.sha256(OLD_AGREEMENT_PDF).hexdigest(),
                                            pdf_storage_key="agreement-key")
    return types.SimpleNamespace(user=user.id, case=case.reference, note=note.id, note_file=note_file.id,
                                 agreement=agreement.id)


@pytest.fixture
def old_database(tmp_path):
    """An app on a database at migration 5 whose files are still on disk, under FILES_DIR."""
    with new_database_url(tmp_path, "at-5") as url:
        app = build_app(TestConfig, tmp_path, DATABASE_URL=url, FILES_DIR=tmp_path / "files")
        with database.connection_context():
            database_at(5)
            ids = rows_with_files_on_disk(tmp_path / "files")
        yield app, ids


def test_files_on_disk_move_into_the_database_and_are_served_from_it(old_database, tmp_path):
    app, ids = old_database
    result = flask(app, "db", "upgrade")
    assert result.exit_code == 0, result.output
    with database.connection_context():
        note_file = NoteFile.get_by_id(ids.note_file)
        agreement = Agreement.get_by_id(ids.agreement)
        assert bytes(StoredFile.get_by_id(note_file.content_id).data) == OLD_NOTE_FILE
        assert bytes(StoredFile.get_by_id(agreement.pdf_content_id).data) == OLD_AGREEMENT_PDF
        assert StoredFile.select().count() == 2
        assert "storage_key" not in {c.name for c in database.get_columns("note_file")}
        assert "pdf_storage_key" not in {c.name for c in database.get_columns("agreement")}
        assert [n for n, _, _ in stamps()] == [n for n, _ in migrations.MIGRATIONS]

    # Served from the table, not from disk: the old folder can go.
    shutil.rmtree(tmp_path / "files")
    with database.connection_context():
        cleo = User.get_by_id(ids.user)
    client = enter_as(app.test_client(), cleo)
    served = client.get(f"/cases/{ids.case}/notes/{ids.note}/files/{ids.note_file}")
    assert (served.status_code, served.data) == (200, OLD_NOTE_FILE)
    served = client.get(f"/cases/{ids.case}/agreements/{ids.agreement}/agreement.pdf")
    assert (served.status_code, served.data) == (200, OLD_AGREEMENT_PDF)


@pytest.mark.parametrize("damage, problem", [
    (lambda path: path.unlink(), "is missing"),
    (lambda path: path.write_bytes(b"%PDF-1.4 something else"), "is not the file that was stored"),
])
def test_a_missing_or_changed_file_stops_the_migration_naming_its_row_and_changes_nothing(
        old_database, tmp_path, damage, problem):
    app, ids = old_database
    damage(tmp_path / "files" / "note-file-key")
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1
    assert f"note_file {ids.note_file} (note {ids.note}): {tmp_path / 'files' / 'note-file-key'} {problem}" \
        in result.output
    assert "nothing was changed" in result.output and "Traceback" not in result.output
    with database.connection_context():
        assert not database.table_exists("stored_file")
        assert "storage_key" in {c.name for c in database.get_columns("note_file")}
        assert max(n for n, _, _ in stamps()) == 5
    # Put back, it moves.
    (tmp_path / "files" / "note-file-key").write_bytes(OLD_NOTE_FILE)
    assert flask(app, "db", "upgrade").exit_code == 0
    with database.connection_context():
        assert StoredFile.select().count() == 2


# --- demo data ------------------------------------------------------------------------------

def counts():
    return User.select().count(), Case.select().count()


def test_demo_load_if_empty_loads_once_and_not_twice(app):
    assert counts() == (0, 0)
    assert flask(app, "demo", "load", "--if-empty").exit_code == 0
    loaded = counts()
    assert loaded[0] > 0 and loaded[1] > 0
    emails = {u.email for u in User.select()}
    assert flask(app, "demo", "load", "--if-empty").exit_code == 0
    assert counts() == loaded
    assert {u.email for u in User.select()} == emails


def test_demo_load_on_a_database_with_data_says_so_and_fails_without_a_traceback(app):
    assert flask(app, "demo", "load").exit_code == 0
    loaded = counts()
    again = flask(app, "demo", "load")
    assert again.exit_code == 1
    assert "The database already has data, so the demo was not loaded." in again.output
    assert "Traceback" not in again.output and again.exception.__class__.__name__ == "SystemExit"
    assert counts() == loaded


def test_demo_load_if_empty_leaves_a_database_with_people_alone(app):
    someone = make_user()
    assert flask(app, "demo", "load", "--if-empty").exit_code == 0
    assert counts() == (1, 0)
    assert User.get().email == someone.email


# --- migration 9: post-mediation coaching already offered waits for the party's answer ------

def test_parties_of_follow_on_cases_are_asked_about_the_coaching_offer(tmp_path):
    frozen = m0001_initial
    now = datetime.now(UTC).replace(tzinfo=None)
    with new_database_url(tmp_path, "at-7") as url:
        app = build_app(TestConfig, tmp_path, DATABASE_URL=url)
        with database.connection_context():
            database_at(7)
            with database.obj.bind_ctx(frozen.TABLES):
                mediation = frozen.Case.create(reference="AC-2024-0001", kind=CaseKind.MEDIATION,
                                               status=CaseStatus.CLOSED, dispute_type=DisputeType.NEIGHBOUR,
                                               session_allowance=3, created_at=now)
                coaching = frozen.Case.create(reference="AC-2024-0002", kind=CaseKind.COACHING,
                                              status=CaseStatus.OPEN, dispute_type=DisputeType.NEIGHBOUR,
                                              session_allowance=3, parent_case=mediation, created_at=now)
                on_mediation = frozen.CaseParty.create(case=mediation, name="Alex", unsafe_routes="",
                                                       consent_state="given", fee_paid=False, created_at=now)
                offered = frozen.CaseParty.create(case=coaching, name="Alex", unsafe_routes="",
                                                  consent_state="pending", fee_paid=False, created_at=now)
        flask(app, "db", "upgrade")
        with database.connection_context():
            from portal.models import CaseParty
            assert CaseParty.get_by_id(offered.id).coaching_offer == "waiting"
            assert CaseParty.get_by_id(on_mediation.id).coaching_offer is None
            assert Agreement.select().where(Agreement.reviewed_on.is_null(False)).count() == 0
