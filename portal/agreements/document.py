"""An agreement as the PDF shows it: plain values, no database rows.

`portal.agreements.pdf` renders one of these, so the PDF (and its benchmark) never reaches back
into the database, and whoever builds it decides what goes in: only this agreement version of
this case.
"""

from dataclasses import dataclass
from datetime import date, datetime

from portal.vocab import AgreementState


@dataclass(frozen=True)
class Acceptance:
    typed_name: str
    accepted_at: datetime          # aware, in the service's time zone
    in_person: bool = False        # recorded by a coach for a party without the portal


@dataclass(frozen=True)
class PartyLine:
    name: str
    acceptance: Acceptance | None  # None: a blank line for a wet signature


@dataclass(frozen=True)
class TermLine:
    what: str
    who: str                       # a party's name, or "Both parties" / "All parties"
    by_when: date | None


@dataclass(frozen=True)
class AgreementDocument:
    service_name: str
    case_reference: str
    title: str
    version: int
    state: str                     # AgreementState
    parties: tuple                 # (PartyLine, ...)
    issues: tuple                  # (str, ...)
    terms: tuple                   # (TermLine, ...)
    review_on: date | None
    other_terms: str               # plain text; paragraphs separated by blank lines
    language: str = "en-GB"

    @property
    def is_final(self):
        return self.state == AgreementState.FINAL
