"""What people are told: a person's own notifications, the unread count the navigation shows
(read with the signed-in user, so it costs no statement of its own), and the coordinators' list
of parties who must be phoned because email is not safe for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from peewee import SQL, ModelSelect, fn

from portal.models import Case, CaseParty, Notification, SignInSession, User
from portal.queries._scopes import has_role, nothing
from portal.vocab import CaseStatus, Delivery, Role


def notifications_visible_to(user: User) -> ModelSelect[Notification]:
    """The user's own notifications, newest first (nobody reads anyone else's)."""
    if user is None or not user.active:
        return nothing(Notification)
    return (Notification
            .select()
            .where(Notification.recipient == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def signed_in_user(session_id: int) -> ModelSelect[User]:
    """The user of the active sign-in session `session_id`, with that session's token hash,
    last-seen time and id (`session_token_hash`, `session_last_seen_at`, `session_row_id`) and
    `unread_notifications` (their own unread count, for the navigation), in one statement."""
    unread = (Notification
              .select(fn.COUNT(Notification.id))
              .where(Notification.recipient == User.id, Notification.read_at.is_null()))
    return (User
            .select(User, unread.alias("unread_notifications"),
                    SignInSession.id.alias("session_row_id"),
                    SignInSession.token_hash.alias("session_token_hash"),
                    SignInSession.last_seen_at.alias("session_last_seen_at"))
            .join(SignInSession, on=(SignInSession.user == User.id))
            .where(SignInSession.id == session_id, SignInSession.ended_at.is_null()))


def sign_in_sessions_visible_to(user: User, seen_since: datetime) -> ModelSelect[SignInSession]:
    """The user's own active sign-in sessions (not ended, seen since `seen_since`, the idle
    limit ago), last seen first; nobody sees anyone else's."""
    if user is None or not user.active:
        return nothing(SignInSession)
    return (SignInSession
            .select()
            .where(SignInSession.user == user.id, SignInSession.ended_at.is_null(),
                   SignInSession.last_seen_at > seen_since)
            .order_by(SignInSession.last_seen_at.desc(), SignInSession.id.desc()))


def phone_instead(user: User) -> ModelSelect[CaseParty]:
    """Coordinators: the parties on open cases with messages not emailed because email is not
    safe for them and not yet read in the portal, each once, with their case's reference, how
    many messages wait (`waiting`) and since when (`since`), oldest first: the longest wait is
    called first. The counts are subqueries of each party's row, not a GROUP BY, so the list
    travels in a `queries.Batch` and its count is simply of parties (the work queue's list)."""
    if not has_role(user, Role.COORDINATOR):
        return nothing(CaseParty)
    waiting = (Notification.select(fn.COUNT(Notification.id))
               .where((Notification.party == CaseParty.id) & _not_emailed_unread()))
    since = (Notification.select(fn.MIN(Notification.created_at))
             .where((Notification.party == CaseParty.id) & _not_emailed_unread()))
    return (CaseParty
            .select(CaseParty.id, CaseParty.name, CaseParty.case, Case.reference.alias("case_reference"),
                    # Each subquery inside a function: a `queries.Batch` reads a column by its
                    # alias, which a bare subquery does not carry.
                    fn.COALESCE(waiting, 0).alias("waiting"), _moment(since).alias("since"))
            .join(Case)
            # The parties from their waiting messages (few), not each party tried in turn.
            .where(CaseParty.id.in_(Notification.select(Notification.party).where(_not_emailed_unread())),
                   Case.status == CaseStatus.OPEN)
            .order_by(since, CaseParty.id)
            .objects())  # the case's reference and the counts on the party row itself


def _moment(subquery: Any) -> Any:
    """A subquery's time as a naive UTC datetime: a column's own conversion does not reach a
    subquery, and SQLite gives text, PostgreSQL a datetime (or, through a `queries.Batch`, JSON
    text with a "T"). COALESCE is only the function that carries the conversion."""
    return fn.COALESCE(subquery, SQL("NULL")).python_value(_stored_time)


def _stored_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _not_emailed_unread() -> Any:
    """A notification not emailed (email is not safe for its party) and not read yet."""
    return (Notification.delivery == Delivery.MUST_NOT_EMAIL) & Notification.read_at.is_null()
