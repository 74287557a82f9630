"""Session summaries as files: accepted or refused by their content, stored in the database
with the note, and downloaded only by those who may read the note, as an attachment that is
never sniffed."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from peewee import IntegrityError
from werkzeug.http import parse_options_header

from portal import storage
from portal.db import database
from portal.models import AuditEvent, Note, NoteFile, StoredFile
from portal.vocab import Audience, ShareState
from tests.factories import make_concern, make_note, make_note_file
from tests.notes_support import PDF, file_url, note_url, post_multipart, upload


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
ODT = zipped({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office/>"})
ODS = zipped({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"})
OTHER_ZIP = zipped({"readme.txt": "hello"})
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"\x01\x00"
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


# --- what a file is, by content -------------------------------------------------------------

@pytest.mark.parametrize("data, kind", [
    (PDF, storage.PDF),
    (DOCX, storage.DOCX),
    (ODT, storage.ODT),
    (b"Session summary: we agreed quiet hours.\n", storage.TEXT),
    ("Résumé: café, naïve — “quotes”".encode(), storage.TEXT),
    # A file called summary.pdf whose content is text is plain text: the name decides nothing.
    (b"This is not really a PDF.", storage.TEXT),
])
def test_accepted_kinds_are_recognised_by_their_bytes(data, kind):
    assert storage.kind_of(data) == kind


@pytest.mark.parametrize("data", [ELF, WINDOWS_EXE, PNG, ODS, OTHER_ZIP, b"PK\x03\x04broken zip",
                                  "latin-1 caf\xe9".encode("latin-1"), b"text with a \x00 NUL"])
def test_anything_else_is_refused(data):
    assert storage.kind_of(data) is None
    with pytest.raises(storage.FileRefused, match="Choose a PDF, a Word document"):
        storage.check(data, 10 * 1024 * 1024)


def test_an_empty_file_and_one_over_the_limit_are_refused_with_a_reason():
    with pytest.raises(storage.FileRefused, match="empty"):
        storage.check(b"", 100)
    with pytest.raises(storage.FileRefused, match="bigger than"):
        storage.check(b"x" * (2 * 1024 * 1024 + 1), 2 * 1024 * 1024)


# --- uploading ------------------------------------------------------------------------------

def write_with_file(w, data, name="summary.pdf", **fields):
    values = {"body": "", "audience": Audience.PARTIES, "parties": [str(w.alex.id)],
              "is_summary": "y", "file": upload(data, name), **fields}
    return post_multipart(w, w.coach, f"{w.case_url}/notes/new", values)


def test_a_summary_can_be_just_a_file_stored_in_the_database_with_its_note(world):
    w = world
    response = write_with_file(w, PDF, name="Alex Morgan summary.pdf")
    assert response.status_code == 303
    note_file = NoteFile.get()
    note = Note.get()
    assert (note.body, note.is_summary) == ("", True)
    assert (note_file.content_type, note_file.size_bytes) == ("application/pdf", len(PDF))
    stored = StoredFile.get()
    assert note_file.content_id == stored.id
    assert (bytes(stored.data), stored.size_bytes) == (PDF, len(PDF))
    assert stored.sha256 == note_file.sha256 == hashlib.sha256(PDF).hexdigest()
    # Nothing on this server's disk: every app server reads the same file.
    assert not Path(w.app.config["FILES_DIR"]).exists()
    assert AuditEvent.select().where(AuditEvent.event == "note.file_added").count() == 1


def test_a_text_file_named_pdf_is_kept_as_plain_text(world):
    w = world
    assert write_with_file(w, b"Typed up notes.", name="summary.pdf").status_code == 303
    assert NoteFile.get().content_type == "text/plain; charset=utf-8"


@pytest.mark.parametrize("data, name", [(ELF, "summary.pdf"), (WINDOWS_EXE, "summary.pdf"),
                                        (PNG, "photo.png"), (ODS, "sheet.odt")])
def test_a_file_that_is_not_allowed_is_refused_with_what_is_allowed(world, data, name):
    w = world
    response = write_with_file(w, data, name=name)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This kind of file cannot be added." in page
    assert "a PDF, a Word document (.docx), an OpenDocument text (.odt) or a plain text file" in page
    assert Note.select().count() == 0 and NoteFile.select().count() == 0
    assert StoredFile.select().count() == 0


def test_a_request_bigger_than_the_limit_gets_the_413_page(world):
    w = world
    too_big = b"a" * (w.app.config["MAX_UPLOAD_BYTES"] + 300 * 1024)
    response = write_with_file(w, too_big, name="big.txt")
    assert response.status_code == 413
    assert "That file is too big" in response.get_data(as_text=True)
    assert Note.select().count() == 0


def test_a_file_just_over_10_mb_within_the_request_limit_is_refused_by_the_form(world):
    w = world
    over = b"a" * (w.app.config["MAX_UPLOAD_BYTES"] + 1)
    response = write_with_file(w, over, name="big.txt")
    assert response.status_code == 422
    assert "bigger than 10 MB" in response.get_data(as_text=True)


def test_a_file_of_exactly_10_mb_is_accepted(world):
    w = world
    assert write_with_file(w, b"a" * w.app.config["MAX_UPLOAD_BYTES"], name="big.txt").status_code == 303


def test_the_author_removes_a_file_until_a_party_may_have_read_the_note(world):
    w = world
    note = make_note(w.case, w.coach, Audience.STAFF, body="With a file.")
    note_file = make_note_file(w.app, note)
    response = w.as_(w.coach).submit(note_url(w, note, "edit"),
                                     {"body": "With a file.", "audience": Audience.STAFF,
                                      "remove_files": [str(note_file.id)]},
                                     content_type="multipart/form-data")
    assert response.status_code == 303
    assert NoteFile.select().count() == 0 and StoredFile.select().count() == 0


def test_deleting_a_note_deletes_its_files_bytes_too(world):
    w = world
    note = make_note(w.case, w.coach, Audience.STAFF, body="With two files.")
    make_note_file(w.app, note)
    make_note_file(w.app, note, b"Typed up notes.", name="notes.txt", content_type="text/plain; charset=utf-8")
    kept = make_note_file(w.app, make_note(w.case, w.coach, Audience.STAFF))
    response = w.as_(w.coach).submit(note_url(w, note, "delete"), {})
    assert response.status_code == 303
    assert [f.id for f in NoteFile.select()] == [kept.id]
    assert [s.id for s in StoredFile.select()] == [kept.content_id]


def test_a_file_whose_note_is_not_saved_is_not_stored_either(world, monkeypatch):
    """The bytes are written in the note's transaction: a failure after them leaves nothing."""
    w = world
    from portal import audit
    record = audit.record

    def fail_after_the_file(event, **kwargs):
        if event == "note.file_added":
            raise RuntimeError("the audit trail is unavailable")
        return record(event, **kwargs)

    monkeypatch.setattr(audit, "record", fail_after_the_file)
    with pytest.raises(RuntimeError):
        write_with_file(w, PDF)
    assert (Note.select().count(), NoteFile.select().count(), StoredFile.select().count()) == (0, 0, 0)


# --- downloading ----------------------------------------------------------------------------

def note_with_file(w, audience, **kwargs):
    note = make_note(w.case, w.coach, audience, **kwargs)
    return note, make_note_file(w.app, note)


def test_the_download_is_an_attachment_with_a_neutral_name_never_sniffed_or_cached(world):
    w = world
    note, note_file = note_with_file(w, Audience.PARTIES, shares=[w.alex])
    Note.update(is_summary=True).where(Note.id == note.id).execute()
    response = w.as_(w.alex_user).get(file_url(w, note, note_file))
    assert response.status_code == 200
    assert response.data == b"%PDF-1.4\n% a small summary\n"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Length"] == str(len(response.data))
    # Quoted or not (Flask's send_file quotes only a name that needs it), the same header.
    assert parse_options_header(response.headers["Content-Disposition"]) == \
        ("attachment", {"filename": f"accord-summary-{note_file.id}.pdf"})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


# Who may download a file of a note with each audience (the note's audience, exactly).
DOWNLOADS = {
    # reader:        private  case_team  staff  shared with A  shared with A (withdrawn)
    "author":        (200,    200,       200,   200,           200),
    "other_coach":   (404,    200,       200,   200,           200),
    "outsider":      (404,    404,       404,   404,           404),
    "coordinator":   (404,    404,       200,   200,           200),
    "lead":          (404,    404,       200,   200,           200),
    "alex_user":     (404,    404,       404,   200,           404),
    "bea_user":      (404,    404,       404,   404,           404),
}
AUDIENCES = [
    (Audience.PRIVATE, {}), (Audience.CASE_TEAM, {}), (Audience.STAFF, {}),
    (Audience.PARTIES, {"shares": "alex"}), (Audience.PARTIES, {"shares": "alex", "withdrawn": True}),
]


@pytest.mark.parametrize("reader", list(DOWNLOADS))
def test_downloads_follow_the_notes_audience_for_every_reader(world, reader):
    w = world
    make_concern(w.case, w.coach)  # even with a concern open, a download is not an override
    user = w.coach if reader == "author" else getattr(w, reader)
    client = w.as_(user)
    got = []
    for audience, options in AUDIENCES:
        kwargs = {"withdrawn": options.get("withdrawn", False)}
        if "shares" in options:
            kwargs["shares"] = [w.alex]
        note, note_file = note_with_file(w, audience, **kwargs)
        got.append(client.get(file_url(w, note, note_file)).status_code)
    assert tuple(got) == DOWNLOADS[reader]


def test_a_file_is_not_reachable_through_another_note_or_case(world):
    w = world
    shared, _ = note_with_file(w, Audience.PARTIES, shares=[w.alex])
    _, private_file = note_with_file(w, Audience.PRIVATE)
    alex = w.as_(w.alex_user)
    assert alex.get(file_url(w, shared, private_file)).status_code == 404
    assert alex.get(f"/cases/AC-1999-0001/notes/{shared.id}/files/{private_file.id}").status_code == 404


def test_a_waiting_share_gives_no_download_but_consent_does(world):
    w = world
    note, note_file = note_with_file(w, Audience.PARTIES, shares=[w.bea], source=w.alex)
    bea = w.as_(w.bea_user)
    assert bea.get(file_url(w, note, note_file)).status_code == 404
    from portal.models import NoteShare
    NoteShare.update(state=ShareState.GIVEN).execute()
    assert bea.get(file_url(w, note, note_file)).status_code == 200


def test_a_changed_stored_file_is_not_served(world):
    w = world
    note, note_file = note_with_file(w, Audience.STAFF)
    tampered = b"%PDF-1.4 tampered"
    StoredFile.update(data=tampered).where(StoredFile.id == note_file.content_id).execute()
    assert w.as_(w.coach).get(file_url(w, note, note_file)).status_code == 500
    # Its own hash changed to match does not make it the file the note recorded.
    (StoredFile.update(sha256=hashlib.sha256(tampered).hexdigest())
     .where(StoredFile.id == note_file.content_id).execute())
    assert w.as_(w.coach).get(file_url(w, note, note_file)).status_code == 500


def test_a_stored_file_cannot_go_while_a_note_names_it(world):
    w = world
    _, note_file = note_with_file(w, Audience.STAFF)
    with pytest.raises(IntegrityError), database.atomic():
        StoredFile.delete().where(StoredFile.id == note_file.content_id).execute()
    assert StoredFile.select().count() == 1


def test_checking_who_can_read_says_plainly_that_the_chosen_file_must_be_chosen_again(world):
    w = world
    response = post_multipart(w, w.coach, f"{w.case_url}/notes/new",
                              {"body": "", "audience": Audience.PRIVATE, "check": "y",
                               "file": upload(PDF)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("<strong>Choose the file again:</strong> files are not kept when you check who can "
            "read the note.") in html
    assert NoteFile.select().count() == 0 and Note.select().count() == 0
    # Checking without a file says nothing about one.
    response = post_multipart(w, w.coach, f"{w.case_url}/notes/new",
                              {"body": "x", "audience": Audience.PRIVATE, "check": "y"})
    assert "Choose the file again" not in response.get_data(as_text=True)
