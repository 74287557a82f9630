"""`flask users create-admin`: the first administrator of a new installation."""

from portal.models import AccountToken, User


def test_create_admin_invites_a_coordinator_with_both_duties(app, outbox):
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "--name", "Ada Lane",
                                                "--email", "Ada@Example.org"])
    assert result.exit_code == 0, result.output
    user = User.get(User.email == "ada@example.org")
    assert (user.role, user.is_admin, user.is_safeguarding_lead, user.password_hash) == (
        "coordinator", True, True, None)
    assert AccountToken.select().where(AccountToken.user == user).count() == 1
    [message] = outbox()
    assert message["To"] == "ada@example.org"
    assert "/invitation/" in message.get_payload(decode=True).decode()


def test_create_admin_refuses_an_email_that_has_an_account(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "create-admin", "--name", "Ada Lane", "--email", "ada@example.org"])
    again = runner.invoke(args=["users", "create-admin", "--name", "Ada", "--email", "ada@example.org"])
    assert again.exit_code != 0
    assert "already exists" in again.output
    assert User.select().count() == 1
