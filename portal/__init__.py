"""Accord: the application factory. Nothing happens at import time."""

import logging
from importlib.resources import files

from flask import Flask

from portal.config import config_from_env, development_secret_key

# Templates and static files are package data (see pyproject.toml), found the same way in the
# checkout and in an installed wheel, whatever the working directory.
RESOURCES = files(__name__)


def create_app(config=None):
    """Build the app from a config class (or mapping); ACCORD_ENV picks one when none is given."""
    app = Flask(__name__, template_folder=str(RESOURCES / "templates"),
                static_folder=str(RESOURCES / "static"))
    app.config.from_object(config or config_from_env())
    _ensure_secret_key(app)

    from portal import auth, db, errors, htmx, jobs, labels, security, times, vocab
    db.init_database(app.config["DATABASE_URL"], pool_size=app.config["DATABASE_POOL_SIZE"],
                     pool_max_age_seconds=app.config["DATABASE_POOL_MAX_AGE_SECONDS"],
                     options=app.config["DATABASE_OPTIONS"])
    db.register_request_hooks(app)
    htmx.init_app(app)
    security.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    labels.init_app(app)
    vocab.init_app(app)
    times.init_app(app)
    jobs.init_app(app)
    _register_blueprints(app)

    from portal import cli
    cli.init_app(app)
    app.logger.setLevel(logging.INFO)
    return app


def _ensure_secret_key(app):
    if app.config.get("SECRET_KEY"):
        return
    if app.config["ENV_NAME"] == "development":
        app.config["SECRET_KEY"] = development_secret_key(app.config["INSTANCE_DIR"])
        return
    raise RuntimeError("SECRET_KEY must be set outside development (see README, Configuration).")


def _register_blueprints(app):
    from portal import (
        actions,
        admin,
        agreements,
        cases,
        feedback,
        home,
        notes,
        notifications,
        referrals,
        reports,
        rights,
        safeguarding,
        sessions,
    )
    from portal.agreements import wording
    from portal.auth import routes as auth_routes
    wording.init_app(app)
    for blueprint in (auth_routes.bp, home.bp, admin.bp, cases.bp, referrals.bp, sessions.bp,
                      actions.bp, safeguarding.bp, notes.bp, agreements.bp, notifications.bp, reports.bp,
                      feedback.bp, rights.bp):
        app.register_blueprint(blueprint)
