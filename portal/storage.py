"""File storage, for every part of Accord that keeps a file (a note's files, an agreement's PDF):
what an upload is (by its content, never its name), storing it, reading it back for a checked
download, and deleting it. Who may download a file is decided by its owner (notes, agreements),
never here.

Files live under FILES_DIR (instance/files/ by default, never under static/), each named by a
random storage key; the original name is kept only as a record. Accepted: PDF, DOCX, ODT and
plain UTF-8 text, up to MAX_UPLOAD_BYTES. A file named .pdf whose content is plain text is
plain text (and is served as such); an executable renamed .pdf is refused.
"""

import contextlib
import hashlib
import io
import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

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


def files_dir():
    return Path(current_app.config["FILES_DIR"])


def _path(storage_key):
    # Keys are made here (token_urlsafe); anything else never names a path.
    if not storage_key or not all(c.isalnum() or c in "-_" for c in storage_key):
        raise ValueError("not a storage key")
    return files_dir() / storage_key


def store(data):
    """Write the bytes under a new random key, readable by the owner only. Returns (key, sha256)."""
    folder = files_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_urlsafe(32)
    path = _path(key)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    return key, hashlib.sha256(data).hexdigest()


def read(storage_key, sha256):
    """The stored bytes, or None if they are missing or not what was stored."""
    try:
        data = _path(storage_key).read_bytes()
    except (OSError, ValueError):
        return None
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    return data


def remove(storage_key):
    """Forget a stored file (after the row that named it is gone)."""
    with contextlib.suppress(ValueError):
        _path(storage_key).unlink(missing_ok=True)
