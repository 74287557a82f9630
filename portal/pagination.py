"""Paging for list pages: one page of rows and what the links need."""

from dataclasses import dataclass
from math import ceil


@dataclass
class Page:
    rows: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self):
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages


def page_number(page_arg):
    """The page a request argument asks for: junk, or nothing, is the first."""
    try:
        return max(1, int(page_arg or 1))
    except ValueError:
        return 1


def paginate(query, page_arg, per_page=20):
    """Page `page_arg` (a request argument, possibly junk) of `query`."""
    number = page_number(page_arg)
    total = query.count()
    number = min(number, max(1, ceil(total / per_page)))
    return Page(rows=list(query.paginate(number, per_page)), number=number, per_page=per_page,
                total=total)
