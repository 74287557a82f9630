"""What changed between two versions of an agreement, in words a party can follow."""

from collections import Counter
from dataclasses import dataclass

from portal.times import long_date


@dataclass(frozen=True)
class Changes:
    title: tuple | None        # (before, after) or None
    issues_added: tuple
    issues_removed: tuple
    terms_added: tuple         # (described term, ...)
    terms_removed: tuple
    review_on: tuple | None    # (before, after) or None
    other_terms_changed: bool

    def __bool__(self):
        return bool(self.title or self.issues_added or self.issues_removed or self.terms_added
                    or self.terms_removed or self.review_on or self.other_terms_changed)


def _missing_from(items, other):
    """The items not matched in `other`, in order; an item listed twice must be matched twice."""
    left = Counter(other)
    missing = []
    for item in items:
        if left[item]:
            left[item] -= 1
        else:
            missing.append(item)
    return tuple(missing)


def between(before, after):
    """`before` and `after` are AgreementDocuments (see document.py) of two versions."""
    def term(t):
        when = f", by {long_date(t.by_when)}" if t.by_when else ""
        return f"{t.what} ({t.who}{when})"

    terms_before, terms_after = [term(t) for t in before.terms], [term(t) for t in after.terms]
    return Changes(
        title=(before.title, after.title) if before.title != after.title else None,
        issues_added=_missing_from(after.issues, before.issues),
        issues_removed=_missing_from(before.issues, after.issues),
        terms_added=_missing_from(terms_after, terms_before),
        terms_removed=_missing_from(terms_before, terms_after),
        review_on=(before.review_on, after.review_on) if before.review_on != after.review_on else None,
        other_terms_changed=before.other_terms != after.other_terms,
    )
