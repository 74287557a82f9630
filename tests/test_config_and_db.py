"""Configuration from the environment, and the database it leads to."""

import stat
import threading

import pytest
from peewee import IntegrityError, PostgresqlDatabase, SqliteDatabase
from playhouse.pool import PooledDatabase, PooledPostgresqlDatabase

from portal import create_app, mail, migrations
from portal.config import DevelopmentConfig, ProductionConfig, TestConfig, config_from_env
from portal.db import database
from portal.models import AccountToken, utcnow
from portal.vocab import Role, TokenPurpose
from tests import dbutil
from tests.apps import build_app, closing_database, new_database_url
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """None of the settings these tests are about comes from the machine running them."""
    for name in ("SECRET_KEY", "DATABASE_URL", "ACCORD_INSTANCE_DIR", "ACCORD_ENV", "MAIL_SERVER",
                 "MAIL_OUTBOX_DIR"):
        monkeypatch.delenv(name, raising=False)
    with closing_database():
        yield


def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'accord.sqlite3'}"


def only_in(base, **values):
    """A subclass of `base` with just these values: the rest as the environment makes it."""
    return type(f"Only{base.__name__}", (base,), values)


# --- the secret key ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", [None, "", "   "])
def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch, value):
    if value is not None:
        monkeypatch.setenv("SECRET_KEY", value)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(only_in(ProductionConfig, INSTANCE_DIR=tmp_path, DATABASE_URL=sqlite_url(tmp_path)))
    assert not (tmp_path / "secret_key").exists()


def test_production_takes_its_secret_key_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "the-production-secret-from-the-environment")
    app = create_app(only_in(ProductionConfig, INSTANCE_DIR=tmp_path, DATABASE_URL=sqlite_url(tmp_path)))
    assert app.config["SECRET_KEY"] == "the-production-secret-from-the-environment"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


def test_development_creates_a_secret_key_under_instance_and_reuses_it(tmp_path):
    instance = tmp_path / "instance"
    first = create_app(only_in(DevelopmentConfig, INSTANCE_DIR=instance))
    key_file = instance / "secret_key"
    assert key_file.exists()
    assert first.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = create_app(only_in(DevelopmentConfig, INSTANCE_DIR=instance))
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    # Made at random, not a constant: another instance folder gets another key.
    other = create_app(only_in(DevelopmentConfig, INSTANCE_DIR=tmp_path / "other"))
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_development_uses_a_secret_key_from_the_environment_when_there_is_one(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-key-chosen-by-the-developer")
    app = create_app(only_in(DevelopmentConfig, INSTANCE_DIR=tmp_path))
    assert app.config["SECRET_KEY"] == "a-key-chosen-by-the-developer"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("name, expected", [
    (None, ProductionConfig),
    ("production", ProductionConfig),
    ("development", DevelopmentConfig),
    ("test", TestConfig),
])
def test_accord_env_picks_the_configuration(monkeypatch, name, expected):
    if name is not None:
        monkeypatch.setenv("ACCORD_ENV", name)
    assert config_from_env() is expected


def test_an_unknown_accord_env_is_refused(monkeypatch):
    monkeypatch.setenv("ACCORD_ENV", "staging")
    with pytest.raises(RuntimeError, match="staging"):
        config_from_env()


def test_the_session_cookie_is_secure_outside_development():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert DevelopmentConfig.SESSION_COOKIE_SECURE is False
    for config in (ProductionConfig, DevelopmentConfig, TestConfig):
        assert config.SESSION_COOKIE_HTTPONLY is True
        assert config.SESSION_COOKIE_SAMESITE == "Lax"


# --- where things are kept --------------------------------------------------------------------

def test_database_url_defaults_to_a_sqlite_file_under_instance(tmp_path):
    instance = tmp_path / "instance"
    app = create_app(only_in(DevelopmentConfig, INSTANCE_DIR=instance))
    assert app.config["DATABASE_URL"] == f"sqlite:///{instance / 'accord.sqlite3'}"
    assert isinstance(database.obj, SqliteDatabase)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (instance / "accord.sqlite3").exists()


def test_the_instance_folder_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCORD_INSTANCE_DIR", str(tmp_path / "elsewhere"))
    app = create_app(DevelopmentConfig)
    assert app.config["INSTANCE_DIR"] == tmp_path / "elsewhere"
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'elsewhere' / 'accord.sqlite3'}"
    assert app.config["MAIL_OUTBOX_DIR"] == tmp_path / "elsewhere" / "outbox"
    assert (tmp_path / "elsewhere" / "secret_key").exists()


def test_database_url_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'chosen.sqlite3'}")
    app = create_app(only_in(DevelopmentConfig, INSTANCE_DIR=tmp_path / "instance"))
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'chosen.sqlite3'}"


def test_without_a_mail_server_mail_goes_to_an_outbox_under_instance(tmp_path):
    instance = tmp_path / "instance"
    # Jobs run at once here, as in the tests; a worker does it in development (make run).
    app = create_app(only_in(DevelopmentConfig, INSTANCE_DIR=instance, QUEUE_IMMEDIATE=True))
    with app.app_context(), database.connection_context():
        migrations.upgrade(database.obj)
        mail.send("someone@example.org", "Subject", "Body.\n")
    assert len(list((instance / "outbox").glob("*.eml"))) == 1


# --- SQLite ------------------------------------------------------------------------------------

@pytest.fixture
def sqlite_app(tmp_path):
    app = build_app(TestConfig, tmp_path, DATABASE_URL=sqlite_url(tmp_path))
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    return app


def pragmas():
    def value(name):
        return database.execute_sql(f"PRAGMA {name}").fetchone()[0]
    return {name: value(name) for name in ("journal_mode", "foreign_keys", "busy_timeout")}


def assert_pragmas_set(found):
    assert str(found["journal_mode"]).lower() == "wal"
    assert found["foreign_keys"] == 1
    # Long enough for a writer to wait out another, not fail at once with "database is locked".
    assert found["busy_timeout"] >= 1000


def test_a_sqlite_connection_has_wal_foreign_keys_and_a_busy_timeout(sqlite_app):
    with database.connection_context():
        assert_pragmas_set(pragmas())


def test_the_connection_a_request_opens_has_them_too(sqlite_app):
    if not database.is_closed():
        database.close()
    with sqlite_app.test_request_context("/sign-in"):
        sqlite_app.preprocess_request()  # the before-request hooks open the connection
        assert not database.is_closed()
        assert_pragmas_set(pragmas())


def test_every_thread_gets_a_connection_with_them(sqlite_app):
    found = {}

    def in_another_thread():
        with database.connection_context():
            found.update(pragmas())

    thread = threading.Thread(target=in_another_thread)
    thread.start()
    thread.join()
    assert_pragmas_set(found)


def test_sqlite_is_not_pooled_whatever_the_pool_size(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_POOL_SIZE", "5")
    build_app(TestConfig, tmp_path, DATABASE_URL=sqlite_url(tmp_path))
    assert isinstance(database.obj, SqliteDatabase)
    assert not isinstance(database.obj, PooledDatabase)


def test_sqlite_enforces_foreign_keys(sqlite_app):
    with database.connection_context(), pytest.raises(IntegrityError):
        AccountToken.create(user=987654, purpose=TokenPurpose.INVITATION, token_hash="x" * 64,
                            expires_at=utcnow())


# --- PostgreSQL --------------------------------------------------------------------------------

@pytest.mark.skipif(not dbutil.POSTGRES_URL, reason="TEST_DATABASE_URL is not set")
def test_a_postgresql_url_works(tmp_path):
    with new_database_url(tmp_path) as url:
        assert url.startswith("postgresql://")
        app = build_app(TestConfig, tmp_path, DATABASE_URL=url)
        assert isinstance(database.obj, PostgresqlDatabase)
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
        user = make_user(Role.COACH)
        client = app.test_client()
        assert sign_in(client, user.email, DEFAULT_PASSWORD).status_code == 303
        assert client.get("/coach").status_code == 200


def request_connections(app, requests=2):
    """(backend process id, schema) of the connection each of `requests` requests to `app` ran on."""
    seen = []

    @app.after_request
    def note_connection(response):
        seen.append(database.execute_sql("SELECT pg_backend_pid(), current_schema()").fetchone())
        return response

    client = app.test_client()
    for _ in range(requests):
        assert client.get("/sign-in").status_code == 200
        assert database.is_closed()  # given back at the end of the request
    return seen


def backend_is_connected(pid):
    with database.connection_context():
        return database.execute_sql("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0] == 1


@pytest.mark.skipif(not dbutil.POSTGRES_URL, reason="TEST_DATABASE_URL is not set")
def test_postgresql_requests_share_a_pooled_connection_on_the_right_schema(tmp_path, monkeypatch):
    """Each request takes a connection from the pool and gives it back, so the next one needs no
    new connection; every pooled connection keeps the URL's search_path, and an app built again
    on another schema gets connections of its own, the old pool's closed."""
    monkeypatch.setenv("DATABASE_POOL_SIZE", "3")
    with new_database_url(tmp_path, "first") as first_url:
        app = build_app(TestConfig, tmp_path, DATABASE_URL=first_url)
        assert isinstance(database.obj, PooledPostgresqlDatabase)
        assert database.obj._max_connections == 3
        (pid, schema), again = request_connections(app)
        assert again == (pid, schema)
        assert f"search_path%3D{schema}" in first_url

        with new_database_url(tmp_path, "second") as second_url:
            other = build_app(TestConfig, tmp_path, DATABASE_URL=second_url)
            (other_pid, other_schema), _ = request_connections(other)
            assert other_schema != schema and f"search_path%3D{other_schema}" in second_url
            assert other_pid != pid
            assert not backend_is_connected(pid)


@pytest.mark.skipif(not dbutil.POSTGRES_URL, reason="TEST_DATABASE_URL is not set")
def test_postgresql_without_a_pool_opens_a_connection_per_request(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_POOL_SIZE", "0")
    with new_database_url(tmp_path) as url:
        app = build_app(TestConfig, tmp_path, DATABASE_URL=url)
        assert not isinstance(database.obj, PooledDatabase)
        (pid, _), (again, _) = request_connections(app)
        assert again != pid


def test_postgresql_options_are_added_to_those_the_url_sets():
    from portal.db import with_postgresql_options
    assert with_postgresql_options("postgresql://u@h:5432/d") == "postgresql://u@h:5432/d?options=-c%20jit%3Doff"
    assert with_postgresql_options("postgresql://u@h/d?sslmode=require&options=-c%20search_path%3Ds1") == \
        "postgresql://u@h/d?sslmode=require&options=-c%20search_path%3Ds1%20-c%20jit%3Doff"


@pytest.mark.skipif(not dbutil.POSTGRES_URL, reason="TEST_DATABASE_URL is not set")
@pytest.mark.parametrize("pool_size", ["0", "2"])
def test_postgresql_connections_run_without_jit_and_keep_the_urls_search_path(tmp_path, monkeypatch, pool_size):
    monkeypatch.setenv("DATABASE_POOL_SIZE", pool_size)
    with new_database_url(tmp_path) as url:
        app = build_app(TestConfig, tmp_path, DATABASE_URL=url)
        with app.app_context(), database.connection_context():
            assert database.execute_sql("SELECT setting, source FROM pg_settings WHERE name = 'jit'").fetchone() == \
                ("off", "client")
            assert f"search_path%3D{database.execute_sql('SELECT current_schema()').fetchone()[0]}" in url


@pytest.mark.parametrize(("value", "options"), [(None, "-c jit=off"), ("none", ""), ("NONE", ""),
                                                ("-c jit=off -c work_mem=16MB", "-c jit=off -c work_mem=16MB")])
def test_database_options_come_from_the_environment(monkeypatch, value, options):
    if value is None:
        monkeypatch.delenv("DATABASE_OPTIONS", raising=False)
    else:
        monkeypatch.setenv("DATABASE_OPTIONS", value)
    assert ProductionConfig.DATABASE_OPTIONS == options


def test_no_database_options_leave_the_url_as_it_is():
    from portal.db import with_postgresql_options
    assert with_postgresql_options("postgresql://u@h/d?options=-c%20search_path%3Ds1", "") == \
        "postgresql://u@h/d?options=-c%20search_path%3Ds1"


@pytest.mark.skipif(not dbutil.POSTGRES_URL, reason="TEST_DATABASE_URL is not set")
def test_postgresql_connections_keep_the_servers_jit_when_told_none(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_POOL_SIZE", "2")
    monkeypatch.setenv("DATABASE_OPTIONS", "none")
    with new_database_url(tmp_path) as url:
        app = build_app(TestConfig, tmp_path, DATABASE_URL=url)
        with app.app_context(), database.connection_context():
            # Set by the server's defaults or its configuration, not by this client.
            assert database.execute_sql("SELECT source FROM pg_settings WHERE name = 'jit'").fetchone()[0] != "client"
