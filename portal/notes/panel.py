"""The notes' template filters: the one that turns a note's text into HTML, and a file's kind
and size in words. (What the case page's notes panel shows is loaded by
`portal/cases/panels.py`, called from `case_context`.)"""

from portal.notes import bp, files
from portal.notes.sanitise import note_html


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
