"""A page's `Batch` whose SQL text is made once per shape, its values bound at each request.

peewee takes 1 to 2 ms of CPU to write the SQL of one visibility query (the database answers in
a fraction of that), so a page of twenty lists spends most of its time writing the same text
again for every request. `PreparedBatch` writes it once for each shape of the page and, at each
request, sends that text with this request's values.

How it stays safe (what one user sees must never come from another's statement):

- The text is made by running the page's own builder with stand-ins: a user, a case and values
  (the time) whose ids are `Slot`s, markers that peewee writes as parameters. Each parameter
  that is a slot takes this request's value when the text is sent; every other parameter is a
  constant of the page's shape (a page size, a state code).
- The key the text is kept under is every input that can change it: the back end, the page's
  own `shape` (which page of each list), and every attribute of the user and the case that the
  builder may read other than their ids (`USER_SHAPE`, `CASE_SHAPE`, and whether the case's
  parent is None). A stand-in has exactly those attributes, so a builder that reads anything
  else fails at once (`PreparedError`) instead of being cached; a slot refuses to be compared
  or used in arithmetic while building, so no Python decision can depend on an id's value.
- While the stand-ins build, `current_user` is the stand-in user, so a builder that reads the
  signed-in user instead of its argument still gets only slots.
- The first time a shape is seen, the request's own batch is written out in full as well, and
  the kept text with this request's values bound must equal it exactly, text and parameters;
  otherwise `PreparedError` is raised and nothing is kept.

The request still builds its own queries (with the real user and case): their readers turn the
rows into models, and building is cheap next to writing the text.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from datetime import date, time
from typing import Any, Generic, TypeVar

from flask import g, has_request_context
from peewee import Node

from portal.db import database
from portal.models import Case, User
from portal.queries.batch import Batch

T = TypeVar("T")

# The attributes of the user and the case a builder may read besides their ids: each is part
# of the key, so two users (or cases) that differ in any of them never share a text.
USER_SHAPE = ("role", "active", "is_safeguarding_lead", "is_admin")
CASE_SHAPE = ("status", "kind")
# Far below any id, page size or count, so a slot's number is never a real value.
_SLOT_BASE = -7_340_032_000_000_000_000
# Shapes kept per page (pages of long lists are part of a shape, and any page can be asked for).
KEPT_SHAPES = 128
_ABSENT = object()


class PreparedError(RuntimeError):
    """A builder read something that is not part of its key, or its text did not bind back."""


class Slot:
    """A value bound at each request: written by peewee as a parameter (as itself, or as the
    integer `int(slot)` where a column converts it), never compared while building."""

    __slots__ = ("name", "number")

    def __init__(self, name: str, number: int) -> None:
        self.name, self.number = name, number

    def __int__(self) -> int:
        return _SLOT_BASE - self.number

    def __bool__(self) -> bool:
        return True  # an id or a time is always set (peewee asks, e.g. before parsing a date)

    def __eq__(self, other: object) -> Any:
        if isinstance(other, Node):
            return NotImplemented  # `Column == slot` from the right: peewee's expression
        raise PreparedError(f"{self.name} was compared while building a prepared statement")

    def __ne__(self, other: object) -> Any:
        return self.__eq__(other)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<slot {self.name}>"


class _StandIn:
    """A user or case with slots for ids and only the attributes the key holds."""

    def __init__(self, what: str, attributes: dict[str, Any]) -> None:
        self.__dict__.update(attributes)
        self._what = what

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes not given: not part of the key, so not to be read.
        raise PreparedError(f"{self._what}.{name} is read while building a prepared statement "
                            "but is not part of its key")


class _Template:
    """A statement's text and parameters, slots among them."""

    def __init__(self, sql: str, params: list[Any], slots: list[Slot]) -> None:
        self.sql = sql
        by_int = {int(slot): slot.number for slot in slots}
        # Each parameter: the number of the slot it is, or None (a constant kept as it is).
        self.params = params
        self.from_slot = [p.number if isinstance(p, Slot) else
                          by_int.get(p) if type(p) is int else None for p in params]
        for param, number in zip(params, self.from_slot, strict=True):
            # A time written into the text would be this request's time for every later one.
            if number is None and isinstance(param, (date, time)):
                raise PreparedError(f"a time ({param!r}) is written into a prepared statement: "
                                    "give it to the builder as a value")

    def bind(self, values: list[Any]) -> tuple[str, list[Any]]:
        return self.sql, [p if n is None else values[n] for p, n in zip(self.params, self.from_slot, strict=True)]


class PreparedBatch(Generic[T]):
    """`build(batch, user, case, shape, **values)` reserves a page's lists in `batch` and
    returns them; `run` builds them for this request and runs them with the text kept for its
    shape. `shape` is what else the builder is given (hashable: which page of each list)."""

    def __init__(self, name: str, build: Callable[..., T]) -> None:
        self.name, self.build = name, build
        self._kept: OrderedDict[Hashable, _Template] = OrderedDict()

    def run(self, user: User, case: Case | None, shape: Hashable = (), **values: Any) -> T:
        batch = Batch()
        built = self.build(batch, user, case, shape, **values)
        if not batch.parts:
            return built
        key = self._key(user, case, shape, values)
        names = ["user.id", *(("case.id", "case.parent_case_id") if case is not None else ()), *values]
        real = [user.id, *((case.id, case.parent_case_id) if case is not None else ()), *values.values()]
        template = self._kept.get(key)
        if template is None:
            template = self._prepare(user, case, shape, names, values)
            statement = batch.sql()
            if template.bind(real) != (statement[0], list(statement[1])):
                raise PreparedError(f"{self.name}: the prepared statement does not bind back to "
                                    "the request's own")
            self._kept[key] = template
            while len(self._kept) > KEPT_SHAPES:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(key)
            statement = template.bind(real)
        batch.run_sql(*statement)
        return built

    def _key(self, user: User, case: Case | None, shape: Hashable, values: dict[str, Any]) -> Hashable:
        return (type(database.obj).__name__, shape, tuple(values),
                tuple(getattr(user, name) for name in USER_SHAPE),
                None if case is None else (tuple(getattr(case, name) for name in CASE_SHAPE),
                                           case.parent_case_id is None))

    def _prepare(self, user: User, case: Case | None, shape: Hashable, names: list[str],
                 values: dict[str, Any]) -> _Template:
        slots = [Slot(name, number) for number, name in enumerate(names)]
        by_name = {slot.name: slot for slot in slots}
        stand_in_user = _StandIn("user", {"id": by_name["user.id"], "is_authenticated": True,
                                          **{name: getattr(user, name) for name in USER_SHAPE}})
        stand_in_case = None if case is None else _StandIn("case", {
            "id": by_name["case.id"],
            "parent_case_id": None if case.parent_case_id is None else by_name["case.parent_case_id"],
            **{name: getattr(case, name) for name in CASE_SHAPE}})
        batch = Batch()
        with _signed_in_as(stand_in_user):
            self.build(batch, stand_in_user, stand_in_case, shape, **{name: by_name[name] for name in values})
        sql, params = batch.sql()
        return _Template(sql, params, slots)


@contextmanager
def _signed_in_as(stand_in: _StandIn) -> Iterator[None]:
    """`current_user` is `stand_in` inside the block (flask_login keeps the signed-in user in
    `g`); outside a request there is no signed-in user to stand in for."""
    if not has_request_context():
        yield
        return
    signed_in = g.pop("_login_user", _ABSENT)
    g._login_user = stand_in
    try:
        yield
    finally:
        g.pop("_login_user")
        if signed_in is not _ABSENT:
            g._login_user = signed_in
