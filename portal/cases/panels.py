"""What the case page's panels show beyond `case_context`'s lists: the notes panel, the session
list's coaches and allowance, the action points the user may change, and the parties whose
invitation is still waiting.

`case_context` (portal/cases/view.py) calls each of these and hands the results to the
templates, which only read them: no template global runs a query. This module imports no
blueprint package (their routes import the case page), so the case page depends on it and not
on them."""

from flask_login import current_user

from portal import policy, queries
from portal.access import current_actor
from portal.models import User
from portal.vocab import Role


def _by_note(rows):
    grouped = {}
    for row in rows:
        grouped.setdefault(row.note_id, []).append(row)
    return grouped


def note_panel(case, facts, notes):
    """Shares, files, versions, override reads and the actions the user may take, per note; and
    the notes the safeguarding override may open (who wrote them and when, never their text)."""
    actor = current_actor()
    shares = _by_note(queries.note_shares_visible_to(current_user, case))
    note_facts = {n.id: n.facts(shares.get(n.id, [])) for n in notes}
    versions = _by_note(queries.note_revisions_visible_to(current_user, case))
    authors = {u.id: u.name for u in queries.note_authors_visible_to(current_user, case)}
    sessions = {s.id: s for s in queries.sessions_visible_to(current_user, case)}
    override_reads = _by_note(queries.override_reads_visible_to(current_user, case))
    may, visible = {}, {}
    for note in notes:
        f = note_facts[note.id]
        visible[note.id] = {pid for pid in f.shares if policy.share_is_visible(f, pid)}
        may[note.id] = {
            "edit": policy.can_edit_note(actor, facts, f),
            "delete": policy.can_delete_note(actor, facts, f,
                                             override_read=note.id in override_reads),
            "withdraw": policy.can_withdraw_note(actor, facts, f),
            "history": policy.can_view_note_history(actor, facts, f),
            "record": {pid for pid in f.shares if policy.can_record_share_consent(actor, facts, f, pid)},
            "ask_again": {pid for pid in f.shares if policy.can_ask_share_again(actor, facts, f, pid)},
        }
    override_shares = _by_note(queries.override_note_shares(current_user, case))
    overrides = [n for n in queries.override_list(current_user, case)
                 if policy.can_override_note(actor, facts, n.facts(override_shares.get(n.id, [])))]
    return {
        "shares": shares,
        "files": _by_note(queries.note_files_visible_to(current_user, case)),
        "versions": {note_id: len(rows) for note_id, rows in versions.items()},
        "override_reads": override_reads,
        "visible": visible,
        # Changed in place after it was written (a minute's grace for the first save).
        "changed": {n.id for n in notes if (n.updated_at - n.created_at).total_seconds() > 60},
        "authors": authors,
        "sessions": sessions,
        "may": may,
        "may_write": policy.can_write_note(actor, facts),
        "overrides": overrides,
    }


def session_panel(case, sessions):
    """What the case page's session list shows beyond `case_context`: coaches and the allowance."""
    return {"coaches": queries.session_coach_names(s.id for s in sessions),
            "allowance_used": queries.allowance_used(case)}


def may_change_action_point(actor, facts, point):
    return policy.can_change_action_point(actor, facts, point.facts(),
                                          done=point.done_at is not None,
                                          from_agreement=point.agreement_term_id is not None)


def changeable_action_points(facts, points):
    """Ids of the action points (already visible) that the user may change or remove."""
    actor = current_actor()
    return {point.id for point in points if may_change_action_point(actor, facts, point)}


def waiting_accounts(user_ids):
    """Of these users, the party accounts still waiting for their password."""
    return User.select().where(User.id.in_(list(user_ids)), User.role == Role.PARTY,
                               User.active == True, User.password_hash.is_null())  # noqa: E712


def invitations_waiting(parties):
    """Ids of the parties for whom the case page offers "Send invitation again", in one query."""
    waiting = {u.id for u in waiting_accounts(p.user_id for p in parties if p.user_id is not None)}
    return {p.id for p in parties if p.user_id in waiting}
