"""A note's files as the notes show them: the words for each kind, and the neutral name a checked
download is given. Storing, checking and reading the bytes is portal/storage.py; who may download
which file is decided in portal/notes/routes.py through queries and policy."""

from portal.storage import DOCX, KINDS_BY_CONTENT_TYPE, ODT, PDF, TEXT

KIND_WORDS = {PDF.content_type: "PDF", DOCX.content_type: "Word document",
              ODT.content_type: "OpenDocument text", TEXT.content_type: "Plain text"}


def download_name(note_file, is_summary):
    """A neutral name for the download: nothing of the original name, the case or the parties."""
    kind = KINDS_BY_CONTENT_TYPE.get(note_file.content_type, TEXT)
    what = "summary" if is_summary else "file"
    return f"accord-{what}-{note_file.id}.{kind.extension}"
