"""Several queries in one statement, for a page that shows many short lists (issue 12's query
budgets: a page runs a fixed number of statements, at most 12 for the case page).

Each list still comes from its own query in `portal.queries`, with its own visibility rules:
`Batch` changes only how the queries travel. They go to the database together, as one
`UNION ALL` of (part, position, row): each row is a JSON array of exactly the columns its query
selects, so nothing is fetched that the query alone would not fetch, and its position is its
place in the query's own order. Each part comes back through peewee's own reader for its query,
as the models (and joined models) the query returns when it runs alone. A count, for paging,
can travel with them.

    batch = Batch()
    parties = batch.rows(queries.parties_with_contact_visible_to(user, case))
    notes = batch.count(queries.notes_visible_to(user, case))
    batch.run()
    parties.rows, notes.total

What cannot travel this way: a query ordered by a column's alias, or with DISTINCT (its rows
are numbered in its own order, which needs the columns themselves; `rows` refuses DISTINCT);
and bytes (a BLOB or bytea column: JSON holds none).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, Generic, TypeVar

from peewee import SQL, Cast, DateTimeField, Field, Model, ModelSelect, Node, Select, SqliteDatabase, TimeField, fn

from portal.db import database

M = TypeVar("M", bound=Model)


class Rows(Generic[M]):
    """The rows of one query, once the batch has run."""

    def __init__(self, query: ModelSelect[M]) -> None:
        self.query = query
        self.rows: list[M] = []


class Count:
    """How many rows one query has, once the batch has run; with a `cap`, counted only up to
    one more than it (`total > cap` then says "more than `cap`" without counting them all)."""

    def __init__(self, query: ModelSelect[Any], cap: int | None = None) -> None:
        self.query = query
        self.cap = cap
        self.total = 0


class Batch:
    """Queries to run together: `rows(query)` and `count(query)` each reserve a place, and
    `run()` runs them all in one statement and fills every place."""

    def __init__(self) -> None:
        self._parts: list[Rows[Any] | Count] = []

    def rows(self, query: ModelSelect[M]) -> Rows[M]:
        state = _private(query)
        if state._simple_distinct or state._distinct is not None:
            raise ValueError("a DISTINCT query cannot be batched: its rows would be renumbered")
        part = Rows(query)
        self._parts.append(part)
        return part

    def count(self, query: ModelSelect[Any], cap: int | None = None) -> Count:
        part = Count(query, cap)
        self._parts.append(part)
        return part

    @property
    def parts(self) -> int:
        """How many places are reserved."""
        return len(self._parts)

    def run(self) -> None:
        """One statement for every part; nothing at all when there is none."""
        if self._parts:
            self.run_sql(*self.sql())

    def sql(self) -> tuple[str, list[Any]]:
        """The one statement's text and parameters (peewee writes it: the costly part)."""
        statement: Any = None
        for number, part in enumerate(self._parts):
            branch = _branch(number, part)
            statement = branch if statement is None else statement.union_all(branch)
        sql, params = database.get_sql_context().sql(statement).query()
        return sql, list(params)

    def run_sql(self, sql: str, params: list[Any]) -> None:
        """Run the statement `sql()` gives (or the same text kept from before, `PreparedBatch`)
        and fill every place."""
        found: dict[int, list[tuple[int, list[Any]]]] = {n: [] for n in range(len(self._parts))}
        for number, position, row in database.execute_sql(sql, params).fetchall():
            # SQLite gives the JSON as text; psycopg2 has already read it.
            found[number].append((position, json.loads(row) if isinstance(row, str) else row))
        for number, part in enumerate(self._parts):
            values = [tuple(row) for _, row in sorted(found[number], key=lambda pair: pair[0])]
            if isinstance(part, Count):
                part.total = int(values[0][0]) if values else 0
            else:
                part.rows = _read(part.query, values)


def _private(node: Node) -> Any:
    """What peewee keeps private, or its stubs do not name: a query's order, DISTINCT and
    reader, a column's alias, `alias()` on an expression."""
    return node


def _on_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def _branch(number: int, part: Rows[Any] | Count) -> Select:
    """One part as a SELECT of (part number, position, JSON array of the row's columns)."""
    if isinstance(part, Count):
        counting = part.query.order_by().select(SQL("1"))
        if part.cap is not None:
            counting = counting.limit(part.cap + 1)
        counted = _private(counting).alias(f"_c{number}")
        return Select([counted], [SQL(str(number)), SQL("0"), _json_array([fn.COUNT(SQL("1"))])])
    query = part.query
    numbered = query.select(
        _private(_json_array([_as_json_can_carry(c) for c in query.selected_columns])).alias("_row"),
        _private(fn.ROW_NUMBER().over(order_by=list(_private(query)._order_by or ()))).alias("_n"),
    )
    return Select([_private(numbered).alias(f"_q{number}")],
                  [SQL(str(number)), SQL('"_n"'), SQL('"_row"')])


def _json_array(values: Sequence[Node]) -> Node:
    return fn.json_array(*values) if _on_sqlite() else fn.json_build_array(*values)


def _as_json_can_carry(column: Node) -> Node:
    """A selected column as an element of the JSON array: without its alias (the reader takes
    names from the query), and on PostgreSQL a timestamp as text, because JSON writes it with a
    "T" that peewee's date parsing does not read, while as text it is what SQLite stores."""
    value = column.unwrap() if column.is_alias() else column
    if not _on_sqlite() and isinstance(value, (DateTimeField, TimeField)):
        return Cast(value, "TEXT")
    return value


class _Cursor:
    """What peewee's row readers ask of a database cursor, over rows already fetched."""

    def __init__(self, description: list[tuple[str]], rows: list[tuple[Any, ...]]) -> None:
        self.description = description
        self._rows: Iterator[tuple[Any, ...]] = iter(rows)

    def fetchone(self) -> tuple[Any, ...] | None:
        return next(self._rows, None)

    def close(self) -> None:
        pass


def _read(query: ModelSelect[M], values: list[tuple[Any, ...]]) -> list[M]:
    """The rows as the query's own reader makes them: models, joined models, extra columns."""
    description = [(_column_name(c),) for c in query.selected_columns]
    reader = _private(query)._get_cursor_wrapper(_Cursor(description, values))
    return list(reader.iterator())


def _column_name(column: Node) -> str:
    """The name a database cursor would give the column: its alias, else its column's name."""
    if column.is_alias():
        return str(_private(column)._alias)
    node = column.unwrap()
    if isinstance(node, Field):
        return str(node.column_name)
    return str(getattr(node, "name", "") or "")
