"""Behind a TLS proxy: whose address is recorded, which scheme and host links use, and HSTS.

ACCORD_PROXY_HOPS says how many proxies in front of the app to believe. At 0 (the default) the
X-Forwarded-* headers are ignored, since anyone can send them; at 1 the last proxy's word is
taken for the visitor's address, the scheme and the host, and nothing a visitor put before it.
"""

from flask import request, url_for

from portal.config import DevelopmentConfig, ProductionConfig, TestConfig
from portal.models import AuditEvent
from portal.vocab import Role
from tests.apps import build_app_on, closing_database
from tests.conftest import sign_in
from tests.factories import make_user

PROXY = "10.0.0.2"  # the address the app sees the request come from: the proxy's
VISITOR = "203.0.113.9"  # the address the proxy says it came from
FORGED = "198.51.100.66"  # what a visitor adds in front to pass for someone else

HSTS = "max-age=31536000; includeSubDomains"


def failed_sign_in_address(app, forwarded_for):
    """The address the audit trail records for a failed sign-in sent through the proxy."""
    user = make_user(Role.COACH)
    response = sign_in(app.test_client(), user.email, "not-the-right-password",
                       environ_base={"REMOTE_ADDR": PROXY},
                       headers={"X-Forwarded-For": forwarded_for})
    assert response.status_code == 422  # the form again, with its error
    event = AuditEvent.get(AuditEvent.event == "auth.sign_in_failed", AuditEvent.record_id == user.id)
    return event.remote_addr


def where_links_point(app):
    """A route reporting the address, scheme and host the app believes, and a link it builds."""

    @app.get("/_where")
    def _where():
        return {"remote_addr": request.remote_addr, "scheme": request.scheme, "host": request.host,
                "link": url_for("auth.sign_in", _external=True)}

    return app.test_client().get("/_where", environ_base={"REMOTE_ADDR": PROXY}, headers={
        "X-Forwarded-For": VISITOR, "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "portal.example.org"}).get_json()


def test_by_default_a_forwarded_for_header_does_not_change_the_recorded_address(app):
    assert app.config["PROXY_HOPS"] == 0
    assert failed_sign_in_address(app, VISITOR) == PROXY


def test_by_default_forwarded_scheme_and_host_are_ignored(app):
    assert where_links_point(app) == {"remote_addr": PROXY, "scheme": "http", "host": "localhost",
                                      "link": "http://localhost/sign-in"}


def test_behind_one_proxy_the_recorded_address_is_the_one_it_forwarded(tmp_path, database_url):
    with closing_database():
        app = build_app_on(TestConfig, tmp_path, database_url, PROXY_HOPS=1)
        assert failed_sign_in_address(app, VISITOR) == VISITOR


def test_behind_one_proxy_an_address_the_visitor_put_in_front_is_not_believed(tmp_path, database_url):
    with closing_database():
        app = build_app_on(TestConfig, tmp_path, database_url, PROXY_HOPS=1)
        assert failed_sign_in_address(app, f"{FORGED}, {VISITOR}") == VISITOR


def test_behind_one_proxy_links_use_the_forwarded_scheme_and_host(tmp_path, database_url):
    with closing_database():
        app = build_app_on(TestConfig, tmp_path, database_url, PROXY_HOPS=1)
        assert where_links_point(app) == {"remote_addr": VISITOR, "scheme": "https",
                                          "host": "portal.example.org",
                                          "link": "https://portal.example.org/sign-in"}


def test_the_number_of_hops_comes_from_the_environment(tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("ACCORD_PROXY_HOPS", "2")
    with closing_database():
        app = build_app_on(TestConfig, tmp_path, database_url)
        assert app.config["PROXY_HOPS"] == 2
        assert failed_sign_in_address(app, f"{FORGED}, {VISITOR}, 10.0.0.1") == VISITOR


def test_production_pages_tell_browsers_to_use_https_only(tmp_path, database_url):
    with closing_database():
        app = build_app_on(ProductionConfig, tmp_path, database_url,
                           SECRET_KEY="a-production-secret-for-this-test-only")
        client = app.test_client()
        for path in ("/sign-in", "/refer", "/static/css/accord.css", "/no-such-page"):
            with client.get(path, base_url="https://localhost") as response:
                assert response.headers.get("Strict-Transport-Security") == HSTS, path


def test_development_and_test_pages_do_not_send_hsts(client, tmp_path, database_url):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers
    with closing_database():
        app = build_app_on(DevelopmentConfig, tmp_path, database_url)
        assert "Strict-Transport-Security" not in app.test_client().get("/sign-in").headers
