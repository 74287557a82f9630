"""The job queue: huey, built from the app's configuration, with Accord's jobs on it.

- Storage: a SQLite file under the instance folder (`QUEUE_FILE`) unless `ACCORD_QUEUE_URL` is a
  redis:// URL. `QUEUE_NAME` prefixes every key, so portals (or test runs) sharing a Redis never
  see each other's jobs. In the tests (`QUEUE_IMMEDIATE`) a job runs where it is queued.
- Jobs: `deliver_message` (one outbox row; portal/outbox.py), queued once the transaction that
  wrote the row has committed, and scheduled again for a retry; `sweep_outbox`, every minute
  and when a worker starts, queues every waiting message whose time has come, so a message
  whose job was lost is still delivered; `send_reminders` every five minutes; and
  `anonymise_past_retention` daily at 02:30 (portal/retention.py), `prune_outbox` daily at 03:00.
- Commands: `flask jobs worker` runs a huey consumer (its threads, and the periodic jobs);
  `flask jobs run-periodic` runs every periodic job once, now (safe to repeat: each only queues
  what is due, and a delivery claims its row).
"""

import logging
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import click
from flask import current_app, g
from flask.cli import AppGroup
from huey import RedisHuey, SqliteHuey, crontab

from portal import outbox
from portal.db import database
from portal.models import utcnow

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def make_huey(config):
    """The huey instance the configuration names."""
    name, immediate, url = config["QUEUE_NAME"], bool(config.get("QUEUE_IMMEDIATE")), config.get("QUEUE_URL")
    if url:
        if not url.startswith(REDIS_SCHEMES):
            raise RuntimeError("ACCORD_QUEUE_URL must be a redis:// URL (or unset, for a SQLite file).")
        return RedisHuey(name, url=url, immediate=immediate, results=False)
    path = Path(config["QUEUE_FILE"])
    if not immediate:
        path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), immediate=immediate, results=False)


@contextmanager
def _connection():
    """A database connection for a job: the one open in this thread, or a new one closed after."""
    opened = database.connect(reuse_if_open=True)
    try:
        yield
    finally:
        if opened and not database.is_closed():
            database.close()


def _register(huey, app):
    """Accord's jobs on `huey`, each run inside `app`'s context."""

    @huey.task(name="deliver_message")
    def deliver_message(message_id):
        with app.app_context(), _connection():
            again_at = outbox.deliver(message_id)
        if again_at is not None:
            delay = max((again_at - utcnow()).total_seconds(), 1)
            deliver_message.schedule(args=(message_id,), delay=delay)

    @huey.periodic_task(crontab(minute="*"), name="sweep_outbox")
    def sweep_outbox():
        with app.app_context(), _connection():
            due = outbox.due_ids(utcnow())
        for message_id in due:
            deliver_message(message_id)
        return len(due)

    @huey.periodic_task(crontab(minute="*/5"), name="send_reminders")
    def send_reminders():
        # Each reminder has its unique key (portal/notify.py): a run that overlaps another, or
        # comes again after a restart, sends nothing twice. Their emails go through the outbox.
        from portal import reminders  # reminders imports the services, which import this module
        with app.app_context(), _connection():
            return reminders.run_due(utcnow())

    @huey.periodic_task(crontab(minute="30", hour="2"), name="anonymise_past_retention")
    def anonymise_past_retention():
        # Daily, at night. An anonymised case is never picked again, so a second run (or
        # `flask retention run` at the same time) changes nothing.
        from portal import retention  # retention imports the queries, which import the models
        with app.app_context(), _connection():
            done = retention.run(utcnow())
            return done.cases + done.referrals

    @huey.periodic_task(crontab(minute="0", hour="3"), name="prune_outbox")
    def prune_outbox():
        # Daily: emails sent or failed more than OUTBOX_KEEP_DAYS ago leave the outbox.
        with app.app_context(), _connection():
            return outbox.prune(utcnow(), app.config["OUTBOX_KEEP_DAYS"])

    @huey.on_startup()
    def _sweep_at_start():
        # What was waiting while no worker ran (or while a killed one held it) goes now.
        sweep_outbox.call_local()

    return SimpleNamespace(deliver_message=deliver_message, periodic=[sweep_outbox, send_reminders,
                                                                          anonymise_past_retention, prune_outbox])


def init_app(app):
    huey = make_huey(app.config)
    app.extensions["huey"] = huey
    app.extensions["jobs"] = _register(huey, app)
    # After the request or command, when its transactions have committed.
    app.teardown_appcontext(_queue_deliveries)
    app.cli.add_command(jobs_cli)


def deliver_after_commit(message_id):
    """Queue the delivery of an outbox row once the transaction that wrote it has committed: at
    once outside a transaction, else when the app context ends (see `init_app`)."""
    if database.in_transaction():
        g.setdefault("outbox_to_deliver", []).append(message_id)
    else:
        _queue(current_app, [message_id])


def _queue_deliveries(exc):
    queue_committed_deliveries()


def queue_committed_deliveries():
    """Queue the deliveries this app context has waiting, its transactions having committed:
    what the end of a request or command does (and a test reading the outbox mid-context)."""
    waiting = g.pop("outbox_to_deliver", [])
    if waiting:
        # A rolled-back row's job finds nothing to send.
        _queue(current_app, waiting)


def _queue(app, message_ids):
    jobs = app.extensions["jobs"]
    for message_id in message_ids:
        try:
            jobs.deliver_message(message_id)
        except Exception as error:  # the sweep queues it within a minute
            app.logger.error("Delivery of outbox message %s not queued: %s", message_id, type(error).__name__)


jobs_cli = AppGroup("jobs", help="The job queue: a worker, and the periodic jobs.")


@jobs_cli.command("worker")
@click.option("--workers", default=1, show_default=True, help="Jobs run at once (threads).")
def worker(workers):
    """Run the jobs as they are queued, and the periodic jobs on time, until stopped (Ctrl+C)."""
    huey = current_app.extensions["huey"]
    if huey.immediate:
        raise click.UsageError("This configuration runs jobs at once (QUEUE_IMMEDIATE): no worker needed.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    # A job waiting on a mail server is given a few seconds to finish when stopping; a delivery
    # cut short is sent again once its lease runs out.
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                         shutdown_timeout=5).run()


@jobs_cli.command("run-periodic")
def run_periodic():
    """Run every periodic job once, now."""
    for job in current_app.extensions["jobs"].periodic:
        result = job.call_local()
        click.echo(f"{job.task_class.__name__}: {result}")
