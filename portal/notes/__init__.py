"""Notes: coaches write them with an audience, parties read what is shared with them (with the
source party's consent where needed), and the safeguarding override, recorded and told."""

from flask import Blueprint

bp = Blueprint("notes", __name__)

from portal.notes import consent, override, panel, routes, shared  # noqa: E402,F401  (register on bp)

__all__ = ["bp"]
