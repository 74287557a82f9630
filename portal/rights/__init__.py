"""Data rights (issue 16): a party's download of their own data, a coordinator's export of any
party record's data (and the list of staff notes naming them, for review before release), the
retention page, legal holds and erasure requests. Anonymising is `portal/retention.py`."""

from flask import Blueprint

bp = Blueprint("rights", __name__)

from portal.rights import holds, routes  # noqa: E402,F401  (routes register on bp)

__all__ = ["bp"]
