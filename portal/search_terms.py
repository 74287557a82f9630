"""The words a case is found by in the case list's search, worked out the same way for what is
stored and for what is typed: accents taken off (Unicode NFKD, combining marks dropped) and case
folded, so that "Zoë O'Brien" is found by "zoe", "OBRIEN" or "o'brien".

Each party gives its case these terms (`party_terms`), kept in `SearchTerm` rows (indexed by
term) by `CaseParty.save` and by `portal.bulk`'s writer:
- each word of their name (split at anything not a letter or digit), and the name's words run
  together without apostrophes, so "O'Brien" is the terms "o", "brien" and "obrien";
- their phone number's digits;
- their email address;
- their postcode (the last UK postcode in their address): its two halves and the whole, without
  the space.

What is typed (`query_terms`) becomes terms the same way; a case matches when every typed term is
the start of one of its terms (`queries.case_list` compares with >= and < bounds, which a plain
index answers on SQLite and PostgreSQL alike). A search that is all digits (spaces, "+", "-" and
brackets aside) is a phone number, its digits one term.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")
_APOSTROPHES = re.compile(r"['’‘`]")
_PHONE = re.compile(r"[\d\s()+\-]+")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)
MAX_TERM = 100  # SearchTerm.term's length


def normalise(text: str) -> str:
    """Without accents, case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def name_terms(name: str) -> set[str]:
    plain = normalise(name)
    words = set(_WORD.findall(plain))
    words.update(_WORD.findall(_APOSTROPHES.sub("", plain)))
    return words


def postcode_terms(address: str) -> set[str]:
    found = _POSTCODE.findall(address or "")
    if not found:
        return set()
    outward, inward = (normalise(part) for part in found[-1])
    return {outward, inward, outward + inward}


def party_terms(name: str | None, email: str | None = None, phone: str | None = None,
                address: str | None = None) -> set[str]:
    """Every term a party gives its case."""
    terms = name_terms(name or "")
    if email and email.strip():
        terms.add(normalise(email.strip()))
    if phone and digits(phone):
        terms.add(digits(phone))
    terms |= postcode_terms(address or "")
    return {term[:MAX_TERM] for term in terms if term}


def query_terms(q: str) -> list[str]:
    """The terms a typed search asks for (every one must match); none for an empty search."""
    q = (q or "").strip()
    if not q:
        return []
    if _PHONE.fullmatch(q) and digits(q):
        return [digits(q)]
    if "@" in q:
        return [normalise(q)[:MAX_TERM]]
    plain = normalise(_APOSTROPHES.sub("", q))
    return sorted({word[:MAX_TERM] for word in _WORD.findall(plain)})


def upper_bound(prefix: str) -> str:
    """The least string greater than every string that starts with `prefix` (in code point
    order), for `prefix <= term < upper_bound(prefix)`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
