"""The record of each report download: a CSV or the PDF leaves the portal, so the trail says who
took which figures, for which period and filters, and whether the small-number rule was on.
Codes and dates only, as every audit row (the figures themselves are not kept)."""

from __future__ import annotations

from collections.abc import Mapping

from portal import audit
from portal.models import User
from portal.reports.periods import Period


def record_download(by: User, what: str, period: Period, filters: Mapping[str, str | None], *,
                    sharing: bool, remote_addr: str = "") -> None:
    """`what` is a section's name for its CSV, or "pdf" for the whole report."""
    chosen = " ".join(f"{name}={value}" for name, value in filters.items() if value)
    detail = " ".join(part for part in (
        f"download={what}", f"from={period.first_day.isoformat()}", f"to={period.last_day.isoformat()}",
        chosen, f"sharing={'yes' if sharing else 'no'}") if part)
    audit.record("reports.downloaded", actor=by, detail=detail, remote_addr=remote_addr)
