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
    # A capped count (`BatchedPage(cap=...)`): the rows were counted up to `limit` + 1 only, and
    # a total over `cap` is shown as "more than `cap`".
    limit: int | None = None
    cap: int | None = None

    @property
    def exact(self):
        """Whether `total` is the whole count (not cut at the limit)."""
        return self.limit is None or self.total <= self.limit

    @property
    def more_than(self):
        """The cap, when the list holds more than it (else None): what to show for the count."""
        return self.cap if self.cap is not None and self.total > self.cap else None

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
    turn into the last (`page().number > page().pages`).

    With a `cap`, the rows are counted only up to `cap` past the end of this page (counting
    thousands of rows to print one figure cost more than the rest of a page): the count is
    exact up to `cap`, more than it is shown as such, and the pager still knows a next page."""

    def __init__(self, batch, query, number, per_page, *, cap=None):
        self.number, self.per_page, self.cap = number, per_page, cap
        self.limit = None if cap is None else number * per_page + cap
        self.query = query.paginate(number, per_page)
        self._total = batch.count(query, cap=self.limit)
        self._rows = batch.rows(self.query)

    def page(self):
        return Page(rows=self._rows.rows, number=self.number, per_page=self.per_page,
                    total=self._total.total, limit=self.limit, cap=self.cap)
