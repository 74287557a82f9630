"""What the case page's notes section shows beyond `case_context`'s notes, and the one filter
that turns a note's text into HTML."""

from flask_login import current_user

from portal import policy, queries
from portal.access import current_actor
from portal.notes import bp, files
from portal.notes.sanitise import note_html


def _by_note(rows):
    grouped = {}
    for row in rows:
        grouped.setdefault(row.note_id, []).append(row)
    return grouped


@bp.app_template_filter("note_html")
def note_html_filter(body):
    """A note's text as safe HTML (the allow-list of `portal.notes.sanitise`)."""
    return note_html(body)


@bp.app_template_filter("file_kind")
def file_kind(content_type):
    """A file's kind in words: PDF, Word document, OpenDocument text, plain text."""
    return files.KIND_WORDS.get(content_type, "File")


@bp.app_template_filter("file_size")
def file_size(size_bytes):
    """A file's size in KB or MB, as people read it."""
    if size_bytes >= 1024 * 1024:
        return f"{size_bytes / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size_bytes / 1024))} KB"


@bp.app_template_global()
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
    overrides = [n for n in queries.override_list(current_user, case)
                 if policy.can_override_note(actor, facts, n.facts())]
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
