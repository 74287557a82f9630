"""The lists the service edits itself (`ServiceList`): referral sources, agency kinds, dispute
types, case outcomes, funding schemes and offices. Administrators add, rename, retire,
reinstate and order their entries in the portal (`portal/admin/lists.py`); records store an
entry's code, which never changes, so a rename shows everywhere at once and a retired entry
still names old records (and old reports).

Every list is read in one statement, at most once per request (kept in `g`): `label` for
showing a code, `choices` for a form (the active entries in order, and the record's own entry
even when retired), `entries` for whoever needs them all (the reports).

Some entries are built in (`BUILT_IN`): the code relies on them (`ReferralSource.AGENCY` asks for
the agency's details, and self-referral is its other side; `DisputeType.OTHER` is a case's default
and `AgencyType.OTHER` the catch-all; a party is told each `CaseOutcome` in words of its own, and
the bulk data branch on them). They can be renamed, never retired; the vocabularies' other
members (the first dispute types and agency kinds) are ordinary entries.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import g, has_app_context
from peewee import fn

from portal import audit
from portal.db import database
from portal.models import ListEntry, User
from portal.vocab import AgencyType, CaseOutcome, Code, DisputeType, ReferralSource, ServiceList

# Each list's built-in entries: the vocabulary members the code relies on.
BUILT_IN: dict[ServiceList, frozenset[str]] = {
    ServiceList.REFERRAL_SOURCE: frozenset(ReferralSource),
    ServiceList.AGENCY_KIND: frozenset({AgencyType.OTHER}),
    ServiceList.DISPUTE_TYPE: frozenset({DisputeType.OTHER}),
    ServiceList.CASE_OUTCOME: frozenset(CaseOutcome),
    ServiceList.FUNDING_SCHEME: frozenset(),
    ServiceList.OFFICE: frozenset(),
}
# The vocabularies whose members the first entries of a list were (migration 19's seed).
SEEDED_FROM: dict[ServiceList, type[Code]] = {
    ServiceList.REFERRAL_SOURCE: ReferralSource, ServiceList.AGENCY_KIND: AgencyType,
    ServiceList.DISPUTE_TYPE: DisputeType, ServiceList.CASE_OUTCOME: CaseOutcome,
}
LABEL_MAX = 100
STEP = 10  # positions leave room between entries


@dataclass(frozen=True)
class Entry:
    """One entry, as pages and forms read it."""
    id: int
    list: ServiceList
    code: str
    label: str
    position: int
    retired_at: datetime | None

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def built_in(self) -> bool:
        return self.code in BUILT_IN[self.list]


class ListError(ValueError):
    """A change that would break a list's rules (the message says which, in plain words)."""


def _entry(row: ListEntry) -> Entry:
    return Entry(id=row.id, list=ServiceList(row.list), code=str(row.code), label=str(row.label),
                 position=int(row.position), retired_at=row.retired_at)


def _load() -> dict[ServiceList, list[Entry]]:
    """Every list's entries in order, retired ones too: one statement."""
    lists: dict[ServiceList, list[Entry]] = {name: [] for name in ServiceList}
    query = ListEntry.select().order_by(ListEntry.list, ListEntry.position, ListEntry.id)
    for row in query:
        if ServiceList.has(row.list):
            lists[ServiceList(row.list)].append(_entry(row))
    return lists


def _all() -> dict[ServiceList, list[Entry]]:
    """The lists, read once per request (or every time outside one)."""
    if not has_app_context():
        return _load()
    if "service_lists" not in g:
        g.service_lists = _load()
    loaded: dict[ServiceList, list[Entry]] = g.service_lists
    return loaded


def load() -> None:
    """Read the lists now, before a page's template runs (which then runs no query of its own)."""
    _all()


def forget() -> None:
    """Read the lists again on next use (after a change in this request)."""
    if has_app_context():
        g.pop("service_lists", None)


def entries(name: ServiceList, include_retired: bool = True) -> list[Entry]:
    """A list's entries in their order; retired ones too unless `include_retired` is False."""
    return [entry for entry in _all()[ServiceList(name)] if include_retired or not entry.retired]


def label(name: ServiceList, code: str | None) -> str:
    """The words for a stored code, retired entries' too; an unknown code is shown as it is."""
    if code is None or code == "":
        return ""
    for entry in _all()[ServiceList(name)]:
        if entry.code == code:
            return entry.label
    return str(code)


def choices(name: ServiceList, current: str | None = None) -> list[tuple[str, str]]:
    """(code, label) for a form: the active entries in order, and `current` (the record's own
    value) where it is a retired entry, so that editing an old record keeps it."""
    offered = [(entry.code, entry.label) for entry in entries(name)
               if not entry.retired or entry.code == current]
    return offered


def office_names(current: str | None = None) -> list[str]:
    """The offices a session can be held at, by name (a session stores the office's name, as its
    place): the active ones, and `current`, a session's own, where it names a retired one."""
    return [entry.label for entry in entries(ServiceList.OFFICE)
            if not entry.retired or entry.label == current]


def codes(name: ServiceList, current: str | None = None) -> set[str]:
    """The codes a form accepts: those `choices` offers."""
    return {code for code, _ in choices(name, current)}


def slug(words: str, taken: Iterable[str] = ()) -> str:
    """A new entry's code, made once from its first label: lower-case ASCII words joined by `_`
    (at most 90 characters), numbered when its list already has it."""
    taken = set(taken)
    plain = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:90] or "entry"
    code, number = base, 2
    while code in taken:
        code, number = f"{base}_{number}", number + 1
    return code


# --- changes (administrators; each audited) ---------------------------------------------------

def label_problem(name: ServiceList, words: str, *, except_id: int | None = None) -> str | None:
    """Why `words` cannot be an entry's label in the list (None when they can): required, at
    most 100 characters, not the label of another active entry (ignoring case)."""
    words = words.strip()
    if not words:
        return "Enter a name for the entry."
    if len(words) > LABEL_MAX:
        return f"Use at most {LABEL_MAX} characters."
    clash = (ListEntry.select(ListEntry.id)
             .where(ListEntry.list == name, ListEntry.retired_at.is_null(),
                    fn.LOWER(ListEntry.label) == words.lower()))
    if except_id is not None:
        clash = clash.where(ListEntry.id != except_id)
    if clash.exists():
        return "The list already has an entry with this name."
    return None


def _record(event: str, row: ListEntry, by: User, remote_addr: str) -> None:
    audit.record(event, actor=by, record=row, detail=f"list={row.list} code={row.code}",  # type: ignore[no-untyped-call]
                 remote_addr=remote_addr)


def add(name: ServiceList, words: str, *, by: User, remote_addr: str = "") -> ListEntry:
    """A new entry at the end of the list, its code made from its label."""
    words = words.strip()
    with database.atomic():
        problem = label_problem(name, words)
        if problem:
            raise ListError(problem)
        rows = list(ListEntry.select(ListEntry.code, ListEntry.position).where(ListEntry.list == name))
        row = ListEntry.create(list=name, code=slug(words, (r.code for r in rows)), label=words,
                               position=max((r.position for r in rows), default=0) + STEP)
        _record("list.entry_added", row, by, remote_addr)
    forget()
    return row


def rename(row: ListEntry, words: str, *, by: User, remote_addr: str = "") -> None:
    """A new label; the code, and so every record, stays."""
    words = words.strip()
    with database.atomic():
        problem = label_problem(ServiceList(row.list), words, except_id=row.id)
        if problem:
            raise ListError(problem)
        ListEntry.update(label=words).where(ListEntry.id == row.id).execute()
        row.label = words
        _record("list.entry_renamed", row, by, remote_addr)
    forget()


def retire(row: ListEntry, *, by: User, remote_addr: str = "") -> None:
    """Off the forms for new records; old records keep it and its label."""
    if _entry(row).built_in:
        raise ListError(f"“{row.label}” is built in: the portal relies on it, so it can be renamed "
                        "but not retired.")
    if row.retired_at is not None:
        raise ListError(f"“{row.label}” is already retired.")
    with database.atomic():
        row.retired_at = datetime.now(UTC).replace(tzinfo=None)  # UTC, as `models.utcnow`
        ListEntry.update(retired_at=row.retired_at).where(ListEntry.id == row.id).execute()
        _record("list.entry_retired", row, by, remote_addr)
    forget()


def reinstate(row: ListEntry, *, by: User, remote_addr: str = "") -> None:
    """Back on the forms, unless an active entry has taken its label meanwhile."""
    if row.retired_at is None:
        raise ListError(f"“{row.label}” is not retired.")
    with database.atomic():
        problem = label_problem(ServiceList(row.list), str(row.label), except_id=row.id)
        if problem:
            raise ListError(f"“{row.label}” cannot come back: the list already has an active entry "
                            "with this name. Rename one of them first.")
        row.retired_at = None
        ListEntry.update(retired_at=None).where(ListEntry.id == row.id).execute()
        _record("list.entry_reinstated", row, by, remote_addr)
    forget()


def move(row: ListEntry, direction: int, *, by: User, remote_addr: str = "") -> bool:
    """Swap the entry with its neighbour above (-1) or below (+1); False at either end."""
    with database.atomic():
        neighbours = (ListEntry.select().where(ListEntry.list == row.list)
                      .order_by(ListEntry.position, ListEntry.id))
        ordered = list(neighbours)
        at = next(i for i, other in enumerate(ordered) if other.id == row.id)
        to = at + (1 if direction > 0 else -1)
        if not 0 <= to < len(ordered):
            return False
        ordered[at], ordered[to] = ordered[to], ordered[at]
        # Positions written again in steps, so that equal positions (gaps used up) sort too.
        for index, entry in enumerate(ordered):
            if entry.position != (index + 1) * STEP:
                ListEntry.update(position=(index + 1) * STEP).where(ListEntry.id == entry.id).execute()
        _record("list.entry_moved", row, by, remote_addr)
    forget()
    return True
