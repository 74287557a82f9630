"""Flask commands: `flask --app wsgi db upgrade`, `... demo load`, `... demo bulk`,
`... users create-admin`, `... audit verify`, `... audit anchor`, `... reminders run`, `... retention run`."""

import click
from flask import current_app
from flask.cli import AppGroup

from portal import migrations
from portal.db import database
from portal.vocab import Role

db_cli = AppGroup("db", help="The database schema.")
demo_cli = AppGroup("demo", help="Demonstration data.")
users_cli = AppGroup("users", help="Accounts.")
audit_cli = AppGroup("audit", help="The audit trail.")
# The queue's periodic jobs run the reminders every five minutes (portal/jobs.py); this is for
# operators and tests.
reminders_cli = AppGroup("reminders", help="Reminders that have become due.")
# The queue anonymises cases past retention once a day (portal/jobs.py); this runs it now.
retention_cli = AppGroup("retention", help="Retention: anonymising cases past their retention period.")


@retention_cli.command("run")
def retention_run():
    """Anonymise every case past its retention period and not held, and every declined referral
    past its own (safe to run again)."""
    from portal import retention
    from portal.models import utcnow
    with database.connection_context():
        done = retention.run(utcnow())
        click.echo(f"{done.cases} cases and {done.referrals} declined referrals anonymised.")


@reminders_cli.command("run")
def reminders_run():
    """Send every reminder due now that has not gone out yet (safe to run again)."""
    from portal import reminders
    from portal.models import utcnow
    click.echo(f"{reminders.run_due(utcnow())} reminders sent.")


@users_cli.command("create-admin")
@click.option("--name", required=True, help="The administrator's full name.")
@click.option("--email", required=True, help="Where the invitation goes.")
def users_create_admin(name, email):
    """Invite the first administrator (a coordinator who is also safeguarding lead)."""
    from portal import accounts
    from portal.models import User
    # A request context, for the absolute link in the email; it closes the connection after.
    with current_app.test_request_context():
        if User.by_email(email).exists():
            raise click.ClickException(f"An account with the email {email} already exists.")
        accounts.invite(name=name, email=email, role=Role.COORDINATOR, invited_by=None,
                        safeguarding_lead=True, admin=True)
    click.echo(f"Invitation sent to {email.strip().lower()}. The link in it sets the password.")


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
        if demo.has_users():
            if if_empty:  # `make run` on a database that is already set up: nothing to do
                click.echo("The database already has data; demo data not loaded.")
                return
            # Loading again would clash with the accounts already there: say so, no traceback.
            raise click.ClickException("The database already has data, so the demo was not loaded. "
                                       "Use a new database (or --if-empty to skip quietly).")
        demo.load()
        # A database with users and an empty trail fails `audit verify`: say where they came from.
        from portal import audit
        audit.record("demo.loaded")
    click.echo("Demo data loaded.")
    _print_sign_ins()


@demo_cli.command("bulk")
@click.option("--cases", type=click.IntRange(min=1), required=True, help="How many cases to add.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="The same seed makes the same cases (on the same database and day).")
def demo_bulk(cases, seed):
    """Add many believable cases, with their parties, sessions, notes, agreements, concerns,
    referrals, timeline and audit rows (after `demo load`, or on their own), to measure the
    portal at size. Bulk accounts use the demo password."""
    import time

    from portal import bulk
    started = time.perf_counter()
    with database.connection_context(), click.progressbar(length=cases, label="Adding cases") as bar:
        rows = bulk.add_cases(cases, seed=seed, progress=bar.update)
    seconds = time.perf_counter() - started
    click.echo(f"Added {cases} cases: {rows} rows in {seconds:.1f} s ({rows / seconds:.0f} rows a second).")


@demo_cli.command("sign-ins")
def demo_sign_ins():
    """Print the demonstration accounts."""
    _print_sign_ins()


def _print_sign_ins():
    from portal import demo
    click.echo(f"Demo sign-ins (password for all: {demo.DEMO_PASSWORD}; staff also need a code from an "
               "authenticator app given their two-factor secret):")
    staff = demo.staff_emails()
    for email, description in demo.SIGN_INS:
        secret = f"; two-factor secret: {demo.two_factor_secret(email)}" if email in staff else ""
        click.echo(f"  {email:<34} {description}{secret}")


@audit_cli.command("verify")
@click.option("--anchor", metavar="ROW:HASH",
              help="A row id and hash printed by an earlier verify: fail if that row is gone or changed.")
def audit_verify(anchor):
    """Walk the audit trail's hash chain and check it against every anchor in the anchor file:
    "intact", or the first row altered or removed."""
    from portal import audit
    try:
        expected = audit.parse_anchor(anchor) if anchor else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--anchor") from None
    path = current_app.config.get("AUDIT_ANCHOR_FILE")
    try:
        kept = audit.read_anchors(path) if path else []
    except ValueError as error:
        # The file is only ever appended to: a line that is not an anchor was put there.
        click.echo(f"broken: the anchor file was changed: {error}")
        raise SystemExit(1) from None
    with database.connection_context():
        report = audit.check_database(anchor=expected, anchors=kept)
    if not report.intact:
        click.echo(f"broken: {report.problem}")
        raise SystemExit(1)
    click.echo("intact")
    click.echo(f"{report.rows} rows; last row {report.last_id or 0}, hash {report.last_hash}")
    if kept:
        click.echo(f"Checked against {len(kept)} anchors in {path}; the latest taken "
                   f"{kept[-1].taken_at:%Y-%m-%d %H:%M} UTC ({kept[-1].rows} rows).")
    else:
        click.echo(f"No anchors yet in {path}: rows cut from the end cannot be seen without one.")
    if report.last_id is not None:
        click.echo("To check later, from another copy of the anchor, that the trail still reaches this row:")
        click.echo(f"  flask --app wsgi audit verify --anchor {report.last_id}:{report.last_hash}")


@audit_cli.command("anchor")
def audit_anchor():
    """Check the chain, then append its row count, last id and hash and the time to the anchor
    file (as happens every day by itself)."""
    from portal import audit
    path = current_app.config["AUDIT_ANCHOR_FILE"]
    try:
        kept = audit.read_anchors(path)
    except ValueError as error:
        click.echo(f"broken: the anchor file was changed: {error}")
        raise SystemExit(1) from None
    with database.connection_context():
        report = audit.check_database(anchors=kept)
    if not report.intact:
        # Anchoring a broken trail would vouch for it.
        click.echo(f"broken: {report.problem}")
        click.echo("No anchor written.")
        raise SystemExit(1)
    anchor = audit.append_anchor(path, lambda: audit.Anchor(
        audit.utcnow().replace(microsecond=0), report.rows, report.last_id or 0, report.last_hash))
    click.echo(f"Anchor written to {path}: {anchor.line().strip()}")


def _ensure_instance_dir():
    current_app.config["INSTANCE_DIR"].mkdir(parents=True, exist_ok=True)


def init_app(app):
    app.cli.add_command(db_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(retention_cli)
