"""Flask commands: `flask --app wsgi db upgrade`, `... demo load`, `... users create-admin`."""

import click
from flask import current_app
from flask.cli import AppGroup

from portal import migrations
from portal.db import database

db_cli = AppGroup("db", help="The database schema.")
demo_cli = AppGroup("demo", help="Demonstration data.")


@db_cli.command("upgrade")
def db_upgrade():
    """Create the database if it is new, or apply the migrations it has not had."""
    _ensure_instance_dir()
    with database.connection_context():
        applied = migrations.upgrade(database)
    click.echo("Applied: " + ", ".join(applied) if applied else "The database is up to date.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has users.")
def demo_load(if_empty):
    """Load the demonstration service: staff, parties, cases and notes."""
    from portal import demo
    with database.connection_context():
        if if_empty and demo.has_users():
            click.echo("The database already has data; demo data not loaded.")
            return
        demo.load()
    click.echo("Demo data loaded.")
    _print_sign_ins()


@demo_cli.command("sign-ins")
def demo_sign_ins():
    """Print the demonstration accounts."""
    _print_sign_ins()


def _print_sign_ins():
    from portal import demo
    click.echo(f"Demo sign-ins (password for all: {demo.DEMO_PASSWORD}):")
    for email, description in demo.SIGN_INS:
        click.echo(f"  {email:<34} {description}")


def _ensure_instance_dir():
    current_app.config["INSTANCE_DIR"].mkdir(parents=True, exist_ok=True)


def init_app(app):
    app.cli.add_command(db_cli)
    app.cli.add_command(demo_cli)
