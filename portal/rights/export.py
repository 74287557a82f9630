"""A person's data as a ZIP (subject access): `data.json` at its root (docs/subject-access.md
describes it), a readable `index.html`, the agreements' PDFs and the files of notes shared with
them.

What goes in is the table `SECTIONS`: one entry per kind of thing, each naming the query that
reads it (the party-side queries of `portal.queries`, given the person's party records, so an
export holds exactly what their own pages show: never another party's details or words unless
shared with consent, never a staff note) and the fields it keeps. A new kind of thing a party
sees is one entry here. Names in the ZIP are neutral: references and ids, never a name.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import render_template
from peewee import ModelSelect

from portal import queries, storage
from portal.models import Agreement, CaseParty, NoteFile, User, utcnow
from portal.notes.sanitise import note_html
from portal.storage import KINDS_BY_CONTENT_TYPE, TEXT
from portal.vocab import AgreementState

FORMAT = "accord-subject-access/1"


@dataclass
class Subject:
    """Whose data: their party records (a select of ids) and their account, if they have one."""
    parties: ModelSelect[CaseParty]
    account: User | None


@dataclass(frozen=True)
class Section:
    """One kind of thing: its key in data.json, its heading in index.html, the rows (a query
    over the subject's party records), and each field as (key, how to read it from a row)."""
    key: str
    heading: str
    rows: Callable[[Subject], Iterable[Any]]
    fields: tuple[tuple[str, Callable[[Any], Any]], ...]
    # Fields holding (allow-listed) HTML, and fields naming files in the ZIP (one or a list).
    html: frozenset[str] = frozenset()
    links: frozenset[str] = frozenset()


def _ref(row: Any) -> str:
    return row.case.reference


def _text(html: str) -> str:
    return str(note_html(html))


def _account_rows(subject: Subject) -> list[User]:
    return [subject.account] if subject.account is not None else []


SECTIONS: tuple[Section, ...] = (
    Section("account", "Your account", _account_rows, (
        ("name", lambda u: u.name), ("email", lambda u: u.email), ("created_at", lambda u: u.created_at),
        ("last_sign_in_at", lambda u: u.last_sign_in_at), ("emails_turned_off", lambda u: u.email_off),
    )),
    Section("cases", "Your cases and your contact details on each",
            lambda s: queries.own_party_records_of(s.parties), (
        ("case", _ref), ("kind", lambda p: p.case.kind), ("status", lambda p: p.case.status),
        ("opened_at", lambda p: p.case.created_at), ("closed_at", lambda p: p.case.closed_at),
        ("name", lambda p: p.name), ("email", lambda p: p.email), ("phone", lambda p: p.phone),
        ("address", lambda p: p.address), ("ways_we_must_not_use", lambda p: p.unsafe_routes),
        ("no_details_by_email", lambda p: p.no_details_by_email), ("consent", lambda p: p.consent_state),
        ("fee_pence", lambda p: p.fee_pence), ("fee_paid", lambda p: p.fee_paid),
    )),
    Section("consent_history", "Your answers about taking part",
            lambda s: queries.consent_history_of(s.parties), (
        ("party_record", lambda e: e.party_id), ("state", lambda e: e.state), ("method", lambda e: e.method),
        ("on", lambda e: e.occurred_on), ("reason", lambda e: e.reason), ("recorded_at", lambda e: e.created_at),
    )),
    Section("sessions", "Your sessions", lambda s: queries.party_sessions_of(s.parties), (
        ("case", _ref), ("kind", lambda x: x.kind), ("starts_at", lambda x: x.starts_at),
        ("minutes", lambda x: x.duration_minutes), ("mode", lambda x: x.mode), ("place", lambda x: x.location),
        ("online_link", lambda x: x.online_link), ("status", lambda x: x.status),
    )),
    Section("session_seats", "Whom you bring to your sessions", lambda s: queries.own_session_seats_of(s.parties), (
        ("session", lambda a: a.session_id), ("attended", lambda a: a.attended),
        ("supporter", lambda a: a.supporter_name), ("supporter_relationship", lambda a: a.supporter_relationship),
    )),
    Section("session_requests", "What you asked about your sessions",
            lambda s: queries.own_session_requests_of(s.parties), (
        ("session", lambda r: r.session_id), ("kind", lambda r: r.kind), ("reason", lambda r: r.reason),
        ("asked_at", lambda r: r.created_at), ("dealt_with_at", lambda r: r.dealt_with_at),
    )),
    Section("shared_notes", "Notes shared with you", lambda s: queries.notes_shared_with_parties(s.parties), (
        ("id", lambda n: n.id), ("case", _ref), ("summary", lambda n: n.is_summary),
        ("written_at", lambda n: n.created_at), ("updated_at", lambda n: n.updated_at),
        ("text_html", lambda n: _text(n.body)), ("files", lambda n: []),
    ), html=frozenset({"text_html"}), links=frozenset({"files"})),
    Section("action_points", "Your action points", lambda s: queries.party_action_points_of(s.parties), (
        ("case", _ref), ("text", lambda a: a.text), ("detail", lambda a: a.detail), ("due_on", lambda a: a.due_on),
        ("done_at", lambda a: a.done_at), ("your_comment", lambda a: a.party_comment),
    )),
    Section("goals", "Your goals and hoped-for outcomes", lambda s: queries.party_goals_of(s.parties), (
        ("case", _ref), ("kind", lambda g: g.kind), ("text", lambda g: g.text), ("recorded_at", lambda g: g.created_at),
    )),
    Section("agreements", "Agreements you are party to", lambda s: queries.party_agreements_of(s.parties), (
        ("id", lambda a: a.id), ("case", _ref), ("title", lambda a: a.title), ("version", lambda a: a.version),
        ("state", lambda a: a.state), ("proposed_at", lambda a: a.proposed_at),
        ("final_at", lambda a: a.finalised_at), ("pdf", lambda a: _pdf_name(a)),
    ), links=frozenset({"pdf"})),
    Section("feedback", "Your feedback", lambda s: queries.own_feedback_answers_of(s.parties), (
        ("case", _ref), ("invited_at", lambda f: f.created_at), ("answered_at", lambda f: f.answered_at),
        ("satisfaction", lambda f: f.satisfaction), ("helped", lambda f: f.helped),
        ("situation", lambda f: f.situation), ("your_comment", lambda f: f.comment),
    )),
    Section("equality", "Your equality monitoring answers", lambda s: queries.own_equality_answers_of(s.parties), (
        ("party_record", lambda e: e.party_id), ("age_band", lambda e: e.age_band), ("gender", lambda e: e.gender),
        ("ethnicity", lambda e: e.ethnicity), ("disability", lambda e: e.disability),
        ("first_language", lambda e: e.first_language), ("given_by", lambda e: e.source),
        ("recorded_at", lambda e: e.recorded_at),
    )),
    Section("notifications", "Your notifications",
            lambda s: queries.notifications_visible_to(s.account) if s.account is not None else [], (
        ("kind", lambda n: n.kind), ("link", lambda n: n.link), ("delivery", lambda n: n.delivery),
        ("created_at", lambda n: n.created_at), ("read_at", lambda n: n.read_at),
    )),
)


def _pdf_name(agreement: Agreement) -> str:
    return f"agreements/{agreement.case.reference}-agreement-{agreement.id}-v{agreement.version}.pdf"


def _file_name(note_file: NoteFile) -> str:
    kind = KINDS_BY_CONTENT_TYPE.get(note_file.content_type, TEXT)
    return f"files/note-{note_file.note_id}-file-{note_file.id}.{kind.extension}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass
class Export:
    """The export's content: data.json's dictionary and the files beside it (name -> bytes)."""
    data: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)


def collect(subject: Subject, *, reference: str) -> Export:
    """Everything the subject may see of theirs, read through the party-side queries."""
    data: dict[str, Any] = {"format": FORMAT, "generated_at": _plain(utcnow()), "reference": reference}
    rows_by_key: dict[str, list[Any]] = {}
    for section in SECTIONS:
        rows = list(section.rows(subject))
        rows_by_key[section.key] = rows
        data[section.key] = [{key: _plain(read(row)) for key, read in section.fields} for row in rows]
    export = Export(data)
    for agreement in rows_by_key["agreements"]:
        pdf = _agreement_pdf(agreement)
        if pdf is not None:
            export.files[_pdf_name(agreement)] = pdf
        else:
            _drop_pdf(data, agreement.id)
    files = list(queries.files_shared_with_parties(subject.parties))
    by_note: dict[int, list[str]] = {}
    for note_file in files:
        content = storage.read(note_file.content_id, note_file.sha256)
        if content is not None:
            export.files[_file_name(note_file)] = content
            by_note.setdefault(note_file.note_id, []).append(_file_name(note_file))
    for note in data["shared_notes"]:
        note["files"] = by_note.get(note["id"], [])
    return export


def _agreement_pdf(agreement: Agreement) -> bytes | None:
    """The PDF the party downloads from the agreement's page: the stored one once final,
    else the proposed version as drawn now."""
    from portal.agreements import pdf, service  # WeasyPrint only when an agreement is there
    if agreement.state in (AgreementState.FINAL, AgreementState.SUPERSEDED):
        return service.stored_pdf(agreement) if agreement.pdf_content_id else None
    return bytes(pdf.render_pdf(service.document_for(agreement)))


def _drop_pdf(data: dict[str, Any], agreement_id: int) -> None:
    for row in data["agreements"]:
        if row["id"] == agreement_id:
            row["pdf"] = None


def zip_bytes(export: Export) -> bytes:
    """The ZIP: data.json and index.html at its root, then the files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(export.data, indent=2, ensure_ascii=False))
        archive.writestr("index.html", render_template("rights/export_index.html", data=export.data,
                                                       sections=SECTIONS))
        for name, content in sorted(export.files.items()):
            archive.writestr(name, content)
    return buffer.getvalue()
