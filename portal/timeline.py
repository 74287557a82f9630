"""The case timeline. Summaries are written for every staff member on the case: no note text,
no concern text, nothing a coach would not already see on the case page."""

from portal.models import CaseEvent


def record(case, kind, summary, actor=None):
    return CaseEvent.create(case=case, kind=kind, summary=summary, actor=actor)
