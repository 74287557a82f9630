"""Written agreements: drafted by the case's coaches, proposed to the parties, accepted by each
party typing their name, final once every party has accepted the same version, and kept as a
tagged PDF with its SHA-256."""

from flask import Blueprint

bp = Blueprint("agreements", __name__)

from portal.agreements import answers, review, routes  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
