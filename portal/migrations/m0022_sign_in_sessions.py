"""Account security (issue 16): a row per sign-in session (sign_in_session), the cookie naming
it instead of "<user id>.<user.session_token>", so a person can see and end each one; the
second factor (user.totp_secret, user.totp_last_step) and its recovery codes (recovery_code).

user.session_token goes: ending a session is now setting its row's ended_at. Every session
signed in before this migration ends with it (their cookies name no row).

Frozen copies of the tables: the new ones in full, "user" by its id only.
"""

from peewee import CharField, DateTimeField, ForeignKeyField, Model

NAME = "sign-in sessions, two-factor sign-in and recovery codes"


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class User(_Frozen):
    pass


class SignInSession(_Frozen):
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField()
    last_seen_at = DateTimeField()
    browser = CharField(max_length=100, default="")
    remote_addr = CharField(max_length=64, default="")
    ended_at = DateTimeField(null=True)
    ended_why = CharField(max_length=20, null=True)

    class Meta:
        indexes = ((("user", "ended_at"), False),)


class RecoveryCode(_Frozen):
    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    code_hash = CharField(max_length=64)
    created_at = DateTimeField()
    used_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("user", "code_hash"), False),)


def upgrade(db, migrator):
    with db.bind_ctx([User, SignInSession, RecoveryCode]):
        db.create_tables([SignInSession, RecoveryCode])
    # Plain ALTER TABLE, as migration 15: playhouse's SQLite migrator would rebuild "user",
    # which the foreign keys pointing at it refuse. SQLite has dropped columns since 3.35.
    for statement in ('ALTER TABLE "user" ADD COLUMN totp_secret VARCHAR(64)',
                      'ALTER TABLE "user" ADD COLUMN totp_last_step INTEGER',
                      'ALTER TABLE "user" DROP COLUMN session_token'):
        db.execute_sql(statement)
