"""The transactional outbox with jobs run at once (the tests' immediate mode): a rolled-back
change sends nothing, retries back off and give up, the periodic jobs can run any number of
times, a dedupe key holds, the administrators' Messages page, and the flag on a safeguarding
concern whose email to the leads has not gone within ten minutes. A real worker on both queue
back ends: tests/test_queue_worker.py."""

from datetime import datetime, timedelta

import pytest
import time_machine

from portal import mail, outbox
from portal.config import Config
from portal.db import database
from portal.models import AuditEvent, OutboxMessage, SafeguardingConcern
from portal.vocab import ConcernLevel, ConcernState, MessageKind, MessageState, Role
from tests.conftest import enter_as
from tests.factories import make_case, make_concern, make_user
from tests.test_mail import free_port, outbox_files

START = datetime(2026, 11, 2, 9, 0, 0)
BODY_MARKER = "Qzv-body-marker-3141"


def flask(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exception is None, result.output
    return result


@pytest.fixture
def mail_down(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)


def the_message():
    [message] = OutboxMessage.select()
    return message


class Rollback(Exception):
    pass


def test_a_change_that_rolls_back_sends_nothing(app):
    with app.app_context(), pytest.raises(Rollback), database.atomic():
        make_user(Role.COACH, email="new@example.org")
        mail.send("new@example.org", "Welcome", "A body.\n")
        raise Rollback
    assert OutboxMessage.select().count() == 0
    assert outbox_files(app) == []


def test_a_committed_change_is_delivered_when_the_request_or_command_ends_not_before(app):
    with app.app_context():
        with database.atomic():
            mail.send("new@example.org", "Welcome", "A body.\n")
            # Inside the transaction the job is not queued yet (it would not see the row).
            assert outbox_files(app) == []
        assert outbox_files(app) == []
    assert len(outbox_files(app)) == 1
    message = the_message()
    assert (message.state, message.attempts, message.kind) == (MessageState.SENT, 1, MessageKind.OTHER)


def test_the_defaults_retry_within_a_minute_and_give_up_after_a_day():
    assert Config.MAIL_RETRY_FIRST_SECONDS == 30
    assert Config.MAIL_GIVE_UP_HOURS == 24
    config = {"MAIL_RETRY_FIRST_SECONDS": 30, "MAIL_RETRY_MAX_SECONDS": 1800}
    assert [outbox.retry_delay(n, config).total_seconds() for n in range(1, 9)] == [
        30, 60, 120, 240, 480, 960, 1800, 1800]


def test_a_failing_message_is_retried_with_backoff_then_marked_failed_with_the_reason(app, mail_down):
    with time_machine.travel(START, tick=False), app.app_context():
        mail.send("someone@example.org", "Subject", "Body.\n")
    message = the_message()
    assert (message.state, message.attempts, message.last_error) == (
        MessageState.WAITING, 1, "ConnectionRefusedError")
    assert message.next_attempt_at == START + timedelta(seconds=30)
    # Not due yet: the sweep leaves it.
    with time_machine.travel(START + timedelta(seconds=29), tick=False):
        flask(app, "jobs", "run-periodic")
    assert the_message().attempts == 1
    with time_machine.travel(START + timedelta(seconds=30), tick=False):
        flask(app, "jobs", "run-periodic")
    assert (the_message().attempts, the_message().next_attempt_at) == (2, START + timedelta(seconds=90))
    # Still failing near the day's end, with the next try (2 minutes on) past it: it gives up,
    # with the reason.
    with time_machine.travel(START + timedelta(hours=23, minutes=59), tick=False):
        flask(app, "jobs", "run-periodic")
    message = the_message()
    assert (message.state, message.attempts, message.last_error, message.claimed_until) == (
        MessageState.FAILED, 3, "ConnectionRefusedError", None)
    with time_machine.travel(START + timedelta(days=2), tick=False):
        flask(app, "jobs", "run-periodic")
    assert the_message().attempts == 3


def test_the_periodic_jobs_deliver_a_waiting_message_once_however_often_they_run(app):
    # A message whose job was lost (written, committed, never queued).
    OutboxMessage.create(kind=MessageKind.OTHER, recipient="someone@example.org", subject="Subject",
                         body="Body.\n")
    for _ in range(3):
        flask(app, "jobs", "run-periodic")
    assert len(outbox_files(app)) == 1
    assert (the_message().state, the_message().attempts) == (MessageState.SENT, 1)


def test_a_message_held_by_another_worker_is_left_alone_until_its_lease_runs_out(app):
    now = datetime(2026, 11, 2, 9, 0, 0)
    message = OutboxMessage.create(kind=MessageKind.OTHER, recipient="someone@example.org", subject="Subject",
                                   body="Body.\n", next_attempt_at=now, claimed_until=now + timedelta(minutes=2))
    with time_machine.travel(now + timedelta(minutes=1), tick=False), app.app_context():
        assert outbox.deliver(message.id) == now + timedelta(minutes=2, seconds=1)
    assert outbox_files(app) == []
    with time_machine.travel(now + timedelta(minutes=3), tick=False), app.app_context():
        assert outbox.deliver(message.id) is None
    assert len(outbox_files(app)) == 1


def test_a_dedupe_key_makes_a_second_message_impossible_even_inside_a_transaction(app):
    key = "reminder:session:7:user:3:2026-11-02"
    with app.app_context(), database.atomic():
        first = mail.send("a@example.org", "Reminder", "Body.\n", dedupe_key=key)
        second = mail.send("a@example.org", "Reminder", "Body.\n", dedupe_key=key)
        # The transaction carries on after the skipped duplicate (PostgreSQL too).
        make_user(Role.COACH, email="after@example.org")
    assert first is not None and second is None
    assert OutboxMessage.select().count() == 1
    assert len(outbox_files(app)) == 1


# --- the Messages page ------------------------------------------------------------------------

def failed_message(**fields):
    values = {"kind": MessageKind.INVITATION, "recipient": "iris@example.org", "subject": "You are invited",
              "body": f"Secret link {BODY_MARKER}\n", "state": MessageState.FAILED, "attempts": 9,
              "last_error": "SMTPRecipientsRefused", **fields}
    return OutboxMessage.create(**values)


@pytest.mark.parametrize(("who", "status"), [
    ("admin", 200), ("coordinator", 403), ("lead", 403), ("coach", 403), ("party", 403), ("nobody", 303)])
def test_only_administrators_see_the_messages_page(app, who, status):
    users = {"admin": make_user(Role.COORDINATOR, is_admin=True), "coordinator": make_user(Role.COORDINATOR),
             "lead": make_user(Role.COORDINATOR, is_safeguarding_lead=True), "coach": make_user(Role.COACH),
             "party": make_user(Role.PARTY)}
    failed_message()
    client = app.test_client()
    if who in users:
        enter_as(client, users[who])
    response = client.get("/admin/messages")
    assert response.status_code == status
    if status != 200:
        assert "iris@example.org" not in response.get_data(as_text=True)


def test_the_messages_page_shows_each_message_state_and_reason_but_never_a_body(app, browser):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    failed = failed_message()
    sent = failed_message(recipient="sam@example.org", state=MessageState.SENT, attempts=1, last_error=None,
                          sent_at=datetime(2026, 11, 2, 9, 0))
    waiting = failed_message(recipient="robin@example.org", state=MessageState.WAITING, attempts=2,
                             last_error="TimeoutError")
    page = browser.enter_as(admin).get("/admin/messages").get_data(as_text=True)
    assert BODY_MARKER not in page
    assert "3 messages" in page
    assert "Failed: SMTPRecipientsRefused" in page
    assert f'action="/admin/messages/{failed.id}/send-again"' in page
    assert page.count("/send-again") == 1
    assert f'id="message-{sent.id}"' in page and f'id="message-{waiting.id}"' in page
    assert "(last try: TimeoutError; next" in page
    only_failed = browser.get("/admin/messages?state=failed").get_data(as_text=True)
    assert "1 message<" in only_failed and "iris@example.org" in only_failed
    assert "sam@example.org" not in only_failed and "robin@example.org" not in only_failed


def test_send_again_gives_a_failed_message_a_new_window_audited_and_delivers_it(app, browser):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    failed = failed_message()
    response = browser.enter_as(admin).submit(f"/admin/messages/{failed.id}/send-again", page="/admin/messages")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/messages#message-{failed.id}"
    message = the_message()
    assert (message.state, message.attempts) == (MessageState.SENT, 10)
    assert len(outbox_files(app)) == 1
    event = AuditEvent.get(AuditEvent.event == "message.sent_again")
    assert (event.actor_id, event.record_type, event.record_id, event.detail) == (
        admin.id, "OutboxMessage", failed.id, "kind=invitation")
    page = browser.get("/admin/messages").get_data(as_text=True)
    assert "The email to iris@example.org is queued again." in page
    # Not failed any more: a second press sends nothing.
    browser.submit(f"/admin/messages/{failed.id}/send-again", page="/admin/messages")
    assert len(outbox_files(app)) == 1
    assert AuditEvent.select().where(AuditEvent.event == "message.sent_again").count() == 1


def test_send_again_needs_the_csrf_token_and_an_administrator(app, make_browser):
    failed = failed_message()
    admin = make_browser(make_user(Role.COORDINATOR, is_admin=True))
    assert admin.client.post(f"/admin/messages/{failed.id}/send-again").status_code == 400
    coordinator = make_browser(make_user(Role.COORDINATOR))
    assert coordinator.submit(f"/admin/messages/{failed.id}/send-again", page="/").status_code == 403
    assert admin.submit(f"/admin/messages/{failed.id + 1}/send-again", page="/admin/messages").status_code == 404
    assert the_message().state == MessageState.FAILED
    assert outbox_files(app) == []


# --- a concern whose email has not gone -------------------------------------------------------

@pytest.fixture
def leads_and_concern(app, mail_down):
    """Two leads, a coordinator who is not one, and an immediate concern raised at START whose
    emails to the leads cannot be delivered (the mail server is down)."""
    from portal.safeguarding import service
    lead, other_lead = (make_user(Role.COORDINATOR, is_safeguarding_lead=True) for _ in range(2))
    coordinator, coach = make_user(Role.COORDINATOR), make_user(Role.COACH)
    case = make_case()
    with time_machine.travel(START, tick=False), app.test_request_context(), database.atomic():
        concern = make_concern(case, coach, level=ConcernLevel.IMMEDIATE)
        service.email_leads(concern, case, by=coach)
    return {"leads": (lead, other_lead), "coordinator": coordinator, "case": case, "concern": concern}


def flagged_on(app, user, address):
    page = enter_as(app.test_client(), user).get(address).get_data(as_text=True)
    return "Safeguarding email not delivered" in page


def test_an_urgent_concern_whose_email_has_not_gone_in_ten_minutes_is_flagged_to_every_lead(
        app, leads_and_concern):
    lead, other_lead = leads_and_concern["leads"]
    with time_machine.travel(START + timedelta(minutes=9, seconds=59), tick=False):
        assert not flagged_on(app, lead, "/coordinator")
        assert not flagged_on(app, lead, "/safeguarding")
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        for user in (lead, other_lead):
            assert flagged_on(app, user, "/coordinator")
        page = enter_as(app.test_client(), lead).get("/coordinator").get_data(as_text=True)
        assert f"Immediate concern on case {leads_and_concern['case'].reference}" in page
        # The dashboard is every coordinator's; the home page notice is for the leads.
        assert flagged_on(app, leads_and_concern["coordinator"], "/safeguarding")
        assert not flagged_on(app, leads_and_concern["coordinator"], "/coordinator")


def test_the_flag_goes_once_every_lead_email_is_delivered_or_the_concern_is_closed(app, leads_and_concern):
    lead, _ = leads_and_concern["leads"]
    concern = leads_and_concern["concern"]
    later = START + timedelta(minutes=15)
    first, second = OutboxMessage.select().order_by(OutboxMessage.id)
    first.state = MessageState.SENT
    first.save()
    with time_machine.travel(later, tick=False):
        assert flagged_on(app, lead, "/coordinator")  # one lead's email is still waiting
    second.state = MessageState.SENT
    second.save()
    with time_machine.travel(later, tick=False):
        assert not flagged_on(app, lead, "/coordinator")
    second.state = MessageState.FAILED
    second.save()
    SafeguardingConcern.update(state=ConcernState.CLOSED).where(SafeguardingConcern.id == concern.id).execute()
    with time_machine.travel(later, tick=False):
        assert not flagged_on(app, lead, "/safeguarding")


@pytest.mark.parametrize("level", [ConcernLevel.MEDIUM, ConcernLevel.LOW])
def test_a_medium_or_low_concern_is_not_flagged(app, leads_and_concern, level):
    concern = leads_and_concern["concern"]
    SafeguardingConcern.update(level=level).where(SafeguardingConcern.id == concern.id).execute()
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        assert not flagged_on(app, leads_and_concern["leads"][0], "/safeguarding")


# --- the commands -----------------------------------------------------------------------------

def test_run_periodic_names_each_job_and_what_it_did(app):
    OutboxMessage.create(kind=MessageKind.OTHER, recipient="someone@example.org", subject="Subject", body="Body.\n")
    # Nothing is past retention: every case is open.
    assert flask(app, "jobs", "run-periodic").output == \
        "sweep_outbox: 1\nsend_reminders: 0\nanonymise_past_retention: 0\nprune_outbox: 0\n"
    assert flask(app, "jobs", "run-periodic").output == \
        "sweep_outbox: 0\nsend_reminders: 0\nanonymise_past_retention: 0\nprune_outbox: 0\n"


def test_no_worker_is_started_where_jobs_run_at_once(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker"])
    assert result.exit_code == 2
    assert "runs jobs at once" in result.output


def test_the_messages_page_is_paged_newest_first(app, browser):
    admin = make_user(Role.COORDINATOR, is_admin=True)
    ids = [failed_message(recipient=f"p{n}@example.org", state=MessageState.SENT).id for n in range(51)]
    browser.enter_as(admin)
    first = browser.get("/admin/messages").get_data(as_text=True)
    second = browser.get("/admin/messages?page=2").get_data(as_text=True)
    assert first.count('<tr id="message-') == 50 and second.count('<tr id="message-') == 1
    assert f'id="message-{ids[-1]}"' in first and f'id="message-{ids[0]}"' in second


def test_sent_and_failed_emails_leave_the_outbox_after_the_days_it_keeps_them(app):
    """90 days by default: sent 91 days ago and failed (queued) 91 days ago go; sent 89 days ago,
    failed 89 days ago and one still waiting since long ago stay."""
    now = datetime(2026, 11, 2, 3, 0)
    assert app.config["OUTBOX_KEEP_DAYS"] == 90

    def message(state, days_ago, name):
        at = now - timedelta(days=days_ago)
        return OutboxMessage.create(kind=MessageKind.OTHER, recipient=f"{name}@example.org", subject=name, body="B",
                                    state=state, created_at=at, queued_at=at, next_attempt_at=now + timedelta(hours=1),
                                    sent_at=at if state == MessageState.SENT else None).id

    message(MessageState.SENT, 91, "old-sent")
    message(MessageState.FAILED, 91, "old-failed")
    kept = {message(MessageState.SENT, 89, "sent"), message(MessageState.FAILED, 89, "failed"),
            message(MessageState.WAITING, 200, "waiting")}
    with app.app_context():
        assert outbox.prune(now, app.config["OUTBOX_KEEP_DAYS"]) == 2
        assert outbox.prune(now, app.config["OUTBOX_KEEP_DAYS"]) == 0
    assert {m.id for m in OutboxMessage.select()} == kept
