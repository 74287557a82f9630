"""File storage, for every part of Accord that keeps a file (a note's files, an agreement's PDF):
what an upload is (by its content, never its name), storing it, reading it back for a checked
download, and deleting it. Who may download a file is decided by its owner (notes, agreements),
never here.

Files live in the database (`StoredFile`: a BLOB on SQLite, bytea on PostgreSQL), written and
deleted in the same transaction as the row that owns them: every app server reads the same
files, a backup of the database holds them, and no crash leaves a row naming a file that was
never written. The owner records the file's SHA-256, and a file is read back only if it still
has it. The original name is kept only as a record. Accepted: PDF, DOCX, ODT and plain UTF-8
text, up to MAX_UPLOAD_BYTES. A file named .pdf whose content is plain text is plain text (and
is served as such); an executable renamed .pdf is refused.
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass

from portal.models import StoredFile

ALLOWED_IN_WORDS = "a PDF, a Word document (.docx), an OpenDocument text (.odt) or a plain text file"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


@dataclass(frozen=True)
class Kind:
    extension: str
    content_type: str


PDF = Kind("pdf", "application/pdf")
DOCX = Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
ODT = Kind("odt", "application/vnd.oasis.opendocument.text")
TEXT = Kind("txt", "text/plain; charset=utf-8")
KINDS_BY_CONTENT_TYPE = {k.content_type: k for k in (PDF, DOCX, ODT, TEXT)}


class FileRefused(ValueError):
    """The upload is not a file we accept; the message says what is allowed."""


def _zip_kind(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                # The ODF mimetype member is a few dozen bytes; read no more than that.
                with archive.open("mimetype") as member:
                    if member.read(len(ODT_MIMETYPE) + 1).strip() == ODT_MIMETYPE:
                        return ODT
            if {"[Content_Types].xml", "word/document.xml"} <= names:
                return DOCX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, ValueError):
        return None
    return None


def _is_text(data):
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def kind_of(data):
    """The accepted kind this content is, or None. Decided by the bytes alone."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if _is_text(data):
        return TEXT
    return None


def check(data, max_bytes):
    """The kind of an upload, or FileRefused with a message for the person uploading it."""
    if not data:
        raise FileRefused("The file is empty. Choose " + ALLOWED_IN_WORDS + ".")
    if len(data) > max_bytes:
        raise FileRefused(f"The file is bigger than {max_bytes // (1024 * 1024)} MB. "
                          "Choose a smaller file.")
    kind = kind_of(data)
    if kind is None:
        raise FileRefused("This kind of file cannot be added. Choose " + ALLOWED_IN_WORDS + ".")
    return kind


def store(data):
    """Keep the bytes in the database. Call it inside the transaction that writes the row naming
    the file, so that both are written or neither is. Returns the StoredFile: the owner points
    at it and records its `sha256`."""
    return StoredFile.create(data=data, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest())


def read(stored_file_id, sha256):
    """The stored bytes, or None if they are not the bytes whose hash the owner recorded."""
    row = (StoredFile.select(StoredFile.data, StoredFile.sha256)
           .where(StoredFile.id == stored_file_id).first())
    if row is None:
        return None
    data = bytes(row.data)  # psycopg2 gives bytea as a memoryview
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256 or digest != row.sha256:
        return None
    return data


def remove(*stored_file_ids):
    """Delete files whose owning rows have just been deleted, in the same transaction (the
    database refuses while a row still names one)."""
    ids = [i for i in stored_file_ids if i is not None]
    if ids:
        StoredFile.delete().where(StoredFile.id.in_(ids)).execute()
