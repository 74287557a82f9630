"""CSRF on every POST, the response headers every page gets, and which proxies to believe."""

from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.htmx import no_store

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])

# A year, the subdomains too: what HSTS preload lists ask for.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def init_app(app):
    csrf.init_app(app)
    _trust_proxies(app, app.config["PROXY_HOPS"])
    hsts = app.config["HSTS"]

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        # Anything shown to a signed-in user may be confidential: never cache it.
        if current_user and current_user.is_authenticated:
            no_store(response)
        return response


def _trust_proxies(app, hops):
    """Take the visitor's address, the scheme and the host from the last `hops` proxies'
    X-Forwarded-* headers (request.remote_addr, url_for(_external=True), Secure cookies' checks)."""
    if hops < 0:
        raise RuntimeError(f"ACCORD_PROXY_HOPS must be 0 or more, not {hops}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
