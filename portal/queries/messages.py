"""The outbox's messages, for the administrators' Messages page."""

from __future__ import annotations

from peewee import Field, ModelSelect

from portal import policy
from portal.models import OutboxMessage, User
from portal.queries._scopes import nothing

# Every column but the body: the page shows what went to whom and how it went, never the text
# (which carries no confidential content by design, but is still not the page's business).
MESSAGE_COLUMNS: tuple[Field, ...] = (
    OutboxMessage.id, OutboxMessage.kind, OutboxMessage.recipient, OutboxMessage.subject,
    OutboxMessage.state, OutboxMessage.attempts, OutboxMessage.next_attempt_at, OutboxMessage.last_error,
    OutboxMessage.created_at, OutboxMessage.queued_at, OutboxMessage.sent_at,
)


def messages_visible_to(user: User | None, *, state: str | None = None) -> ModelSelect[OutboxMessage]:
    """The outbox, newest first, optionally in one state: administrators only."""
    if user is None or not policy.can_manage_messages(user.actor()):
        return nothing(OutboxMessage)
    query = OutboxMessage.select(*MESSAGE_COLUMNS)
    if state:
        query = query.where(OutboxMessage.state == state)
    return query.order_by(OutboxMessage.id.desc())
