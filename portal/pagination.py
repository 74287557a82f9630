"""Paging for list pages: one page of rows and what the links need; a page loaded alone
(`paginate`) or with a page's other lists (`BatchedPage`)."""

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


class BatchedPage:
    """Page `number` of `query`, its rows and total reserved in a `queries.Batch` so that they
    travel with a page's other lists; `query` is what is on show (to narrow other queries to
    it), and `page()` the Page once the batch has run. A page past the end is the caller's to
    turn into the last (`page().number > page().pages`)."""

    def __init__(self, batch, query, number, per_page):
        self.number, self.per_page = number, per_page
        self.query = query.paginate(number, per_page)
        self._total = batch.count(query)
        self._rows = batch.rows(self.query)

    def page(self):
        return Page(rows=self._rows.rows, number=self.number, per_page=self.per_page,
                    total=self._total.total)
