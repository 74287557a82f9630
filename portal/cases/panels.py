"""What the case page's panels show beyond `case_context`'s lists: the notes panel, the session
list's coaches and allowance, the action points the user may change, and the parties whose
invitation is still waiting.

`case_context` (portal/cases/view.py) reserves what each panel needs in the one `queries.Batch`
that loads the whole page (the `*_rows` functions), then calls each panel with the rows and
hands the results to the templates, which only read them: no template global runs a query. This module imports no
blueprint package (their routes import the case page), so the case page depends on it and not
on them."""

from flask_login import current_user
from peewee import ModelSelect

from portal import policy, queries
from portal.access import current_actor
from portal.models import CaseSession, Note, NoteFile, NoteOverrideRead, NoteRevision, NoteShare, SessionRequest, User
from portal.vocab import Role


def _by_note(rows):
    grouped = {}
    for row in rows:
        grouped.setdefault(row.note_id, []).append(row)
    return grouped


def note_panel_rows(batch, case, shown):
    """Reserve in `batch` what the notes panel shows beside the notes of `shown` (the query of
    the page of notes on show): their shares, files, versions, override reads and sessions;
    their authors; and the notes the safeguarding override may open, with the shares their
    facts need. Each is a query of `queries`, narrowed to the notes on show."""
    on_show = shown.select(Note.id)
    return {
        "shares": batch.rows(queries.note_shares_visible_to(current_user, case)
                             .where(NoteShare.note.in_(on_show))),
        "files": batch.rows(queries.note_files_visible_to(current_user, case)
                            .where(NoteFile.note.in_(on_show))),
        "versions": batch.rows(queries.note_revisions_visible_to(current_user, case)
                               .where(NoteRevision.note.in_(on_show))),
        "override_reads": batch.rows(queries.override_reads_visible_to(current_user, case)
                                     .where(NoteOverrideRead.note.in_(on_show))),
        "authors": batch.rows(queries.note_authors_visible_to(current_user, case)),
        "sessions": batch.rows(queries.sessions_visible_to(current_user, case)
                               .where(CaseSession.id.in_(shown.select(Note.session)))),
        "overrides": batch.rows(queries.override_list(current_user, case)),
        "override_shares": batch.rows(queries.override_note_shares(current_user, case)),
    }


def note_panel(case, facts, notes, rows):
    """Shares, files, versions, override reads and the actions the user may take, per note; and
    the notes the safeguarding override may open (who wrote them and when, never their text).
    `rows`: what `note_panel_rows` reserved, loaded."""
    actor = current_actor()
    shares = _by_note(rows["shares"].rows)
    note_facts = {n.id: n.facts(shares.get(n.id, [])) for n in notes}
    override_reads = _by_note(rows["override_reads"].rows)
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
    override_shares = _by_note(rows["override_shares"].rows)
    overrides = [n for n in rows["overrides"].rows
                 if policy.can_override_note(actor, facts, n.facts(override_shares.get(n.id, [])))]
    return {
        "shares": shares,
        "files": _by_note(rows["files"].rows),
        "versions": {note_id: len(found) for note_id, found in _by_note(rows["versions"].rows).items()},
        "override_reads": override_reads,
        "visible": visible,
        # Changed in place after it was written (a minute's grace for the first save).
        "changed": {n.id for n in notes if (n.updated_at - n.created_at).total_seconds() > 60},
        "authors": {u.id: u.name for u in rows["authors"].rows},
        "sessions": {s.id: s for s in rows["sessions"].rows},
        "may": may,
        "may_write": policy.can_write_note(actor, facts),
        "overrides": overrides,
    }


def session_panel_rows(batch, case, shown):
    """Reserve in `batch` what the session list shows beside the sessions of `shown` (the query
    of the page of sessions on show): their coaches, how much of the allowance is used, and the
    parties' requests about them."""
    return {"coaches": batch.rows(queries.session_coaches_of(shown)),
            "allowance_used": batch.count(queries.allowance_sessions(case)),
            "requests": batch.rows(_requests_about(case, shown.select(CaseSession.id)))}


def _requests_about(case, session_ids):
    # The signed-in user (None outside a request: then nothing is visible).
    return (queries.session_requests_visible_to(current_user._get_current_object(), case)
            .where(SessionRequest.session.in_(session_ids)))


def _by_session(rows):
    found = {}
    for row in rows:
        found.setdefault(row.session_id, []).append(row)
    return found


def session_panel(case, sessions, rows=None):
    """What the case page's session list shows beyond `case_context`: coaches, the allowance and
    the parties' requests (by session id). `rows`: what `session_panel_rows` reserved, loaded;
    else they are loaded here."""
    if rows is None:
        return {"coaches": queries.session_coach_names(s.id for s in sessions),
                "allowance_used": queries.allowance_used(case),
                "requests": _by_session(_requests_about(case, [s.id for s in sessions]))}
    return {"coaches": queries.coach_names_by_session(rows["coaches"].rows),
            "allowance_used": rows["allowance_used"].total,
            "requests": _by_session(rows["requests"].rows)}


def may_change_action_point(actor, facts, point):
    return policy.can_change_action_point(actor, facts, point.facts(),
                                          done=point.done_at is not None,
                                          from_agreement=point.agreement_term_id is not None)


def changeable_action_points(facts, points):
    """Ids of the action points (already visible) that the user may change or remove."""
    actor = current_actor()
    return {point.id for point in points if may_change_action_point(actor, facts, point)}


def waiting_accounts(user_ids):
    """Of these users (ids, or a query of them), the party accounts still waiting for their
    password."""
    ids = user_ids if isinstance(user_ids, ModelSelect) else list(user_ids)
    return User.select().where(User.id.in_(ids), User.role == Role.PARTY,
                               User.active == True, User.password_hash.is_null())  # noqa: E712


def invitations_waiting(parties, waiting):
    """Ids of the parties for whom the case page offers "Send invitation again": `waiting`, the
    rows of `waiting_accounts` for the parties' accounts."""
    waiting_ids = {u.id for u in waiting}
    return {p.id for p in parties if p.user_id in waiting_ids}
