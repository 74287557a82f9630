"""Files move into the database: stored_file holds their bytes, and the rows point at it.

Until now a note's file and a final agreement's PDF were kept under FILES_DIR, each named by a
random storage key (note_file.storage_key, agreement.pdf_storage_key) and recorded with its
SHA-256. This migration creates stored_file, reads each of those files from FILES_DIR, checks it
against the hash its row recorded, stores it, and points the row at it (note_file.content_id,
agreement.pdf_content_id); then the storage keys go. It runs inside `flask db upgrade`, which
gives it FILES_DIR from the configuration (ACCORD_FILES_DIR).

A file that is missing, or whose bytes no longer have the recorded hash, stops the migration
with a message naming every such row and file, and nothing is changed (the whole upgrade is one
transaction): the file is put back from a backup and the upgrade run again. The migration does
not skip it or store what it found instead, because a note or a final agreement would then say
something other than what was written or accepted, or silently lose its file. A file that is
truly lost is for a person to decide about (README, "Files"). The files are left in FILES_DIR;
nothing reads them afterwards.

Frozen copies of the tables, with only the columns this migration reads and writes.
"""

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app, has_app_context
from peewee import BlobField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model
from playhouse.migrate import migrate

NAME = "files in the database"


class FilesNotMoved(click.ClickException):
    """Some files cannot be moved; `flask db upgrade` prints why and exits 1, changing nothing."""


class _Frozen(Model):
    class Meta:
        legacy_table_names = False


class StoredFile(_Frozen):
    data = BlobField()
    size_bytes = IntegerField()
    sha256 = CharField(max_length=64)
    created_at = DateTimeField()


class NoteFile(_Frozen):
    note_id = IntegerField()
    sha256 = CharField(max_length=64)
    storage_key = CharField(max_length=100)
    content = ForeignKeyField(StoredFile, null=True, backref="+")


class Agreement(_Frozen):
    case_id = IntegerField()
    pdf_sha256 = CharField(max_length=64, null=True)
    pdf_storage_key = CharField(max_length=100, null=True)
    pdf_content = ForeignKeyField(StoredFile, null=True, backref="+")


def _content_column():
    return ForeignKeyField(StoredFile, field=StoredFile.id, null=True, unique=True)


def _files_dir():
    if not has_app_context():
        raise FilesNotMoved("Stored files are moved into the database by `flask db upgrade`, "
                            "which knows where they are (ACCORD_FILES_DIR). Run that.")
    return Path(current_app.config["FILES_DIR"])


def _read_checked(folder, key, sha256):
    """(bytes, None), or (None, what is wrong with the file)."""
    if not key or not all(c.isalnum() or c in "-_" for c in key):
        return None, f"{key!r} is not a storage key"
    path = folder / key
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, f"{path} is missing"
    except OSError as error:
        return None, f"{path} cannot be read ({error.strerror})"
    if hashlib.sha256(data).hexdigest() != sha256:
        return None, f"{path} is not the file that was stored (its SHA-256 has changed)"
    return data, None


def _owners():
    """(which row, its storage key, its recorded hash, (table, column, id) to point at the file)
    for every row that names a file."""
    for row in NoteFile.select().order_by(NoteFile.id):
        yield (f"note_file {row.id} (note {row.note_id})", row.storage_key, row.sha256,
               (NoteFile, NoteFile.content, row.id))
    for row in (Agreement.select().where(Agreement.pdf_storage_key.is_null(False))
                .order_by(Agreement.id)):
        yield (f"agreement {row.id} (case {row.case_id}), its final PDF", row.pdf_storage_key,
               row.pdf_sha256, (Agreement, Agreement.pdf_content, row.id))


def _move_files():
    folder, problems, moved_at = None, [], datetime.now(UTC).replace(tzinfo=None)
    for description, key, sha256, (model, column, row_id) in _owners():
        folder = folder or _files_dir()
        data, problem = _read_checked(folder, key, sha256)
        if problem:
            problems.append(f"  {description}: {problem}")
            continue
        if problems:
            continue  # nothing will be kept: only look for more problems
        stored = StoredFile.create(data=data, size_bytes=len(data), sha256=sha256,
                                   created_at=moved_at)
        model.update({column: stored.id}).where(model.id == row_id).execute()
    if problems:
        raise FilesNotMoved(
            f"{len(problems)} stored file(s) cannot be moved into the database, so nothing was "
            "changed:\n" + "\n".join(problems) + "\nPut each file back (from a backup of "
            f"{folder}) and run `flask db upgrade` again.")


def _index_on(db, table, column):
    return next(i.name for i in db.get_indexes(table) if i.columns == [column])


def upgrade(db, migrator):
    with db.bind_ctx([StoredFile, NoteFile, Agreement]):
        db.create_tables([StoredFile])
        migrate(
            migrator.add_column("note_file", "content_id", _content_column()),
            migrator.add_column("agreement", "pdf_content_id", _content_column()),
        )
        _move_files()
        migrate(
            migrator.drop_index("note_file", _index_on(db, "note_file", "storage_key")),
            migrator.drop_column("note_file", "storage_key"),
            migrator.drop_column("agreement", "pdf_storage_key"),
            # Every file row has its bytes now; a new one cannot be written without them.
            migrator.add_not_null("note_file", "content_id"),
        )
