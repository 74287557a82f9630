"""What people are told: a person's own notifications, the unread count the navigation shows
(read with the signed-in user, so it costs no statement of its own), and the coordinators' list
of parties who must be phoned because email is not safe for them."""

from __future__ import annotations

from peewee import JOIN, ModelSelect, fn

from portal.models import Case, CaseParty, Notification, User
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


def signed_in_user(user_id: int) -> ModelSelect[User]:
    """The user the sign-in session names, with `unread_notifications` (their own unread
    count, for the navigation) in the same statement."""
    unread = (Notification
              .select(fn.COUNT(Notification.id))
              .where(Notification.recipient == User.id, Notification.read_at.is_null()))
    return User.select(User, unread.alias("unread_notifications")).where(User.id == user_id)


def phone_instead(user: User) -> ModelSelect[CaseParty]:
    """Coordinators: the parties on open cases with messages not emailed because email is not
    safe for them and not yet read in the portal, each once, with their case's reference, how
    many messages wait and since when (oldest first: the longest wait is called first)."""
    if not has_role(user, Role.COORDINATOR):
        return nothing(CaseParty)
    return (CaseParty
            .select(CaseParty.id, CaseParty.name, CaseParty.case, Case.reference.alias("case_reference"),
                    fn.COUNT(Notification.id).alias("waiting"),
                    fn.MIN(Notification.created_at).alias("since"))
            .join(Notification, JOIN.INNER, on=(Notification.party == CaseParty.id))
            .switch(CaseParty)
            .join(Case)
            .where(Notification.delivery == Delivery.MUST_NOT_EMAIL, Notification.read_at.is_null(),
                   Case.status == CaseStatus.OPEN)
            .group_by(CaseParty.id, CaseParty.name, CaseParty.case, Case.reference)
            .order_by(fn.MIN(Notification.created_at), CaseParty.id)
            .objects())  # the case's reference and the counts on the party row itself
