"""The lists the service edits itself (issue 15): `list_entry`, one row per entry of the referral
sources, agency kinds, dispute types, case outcomes, funding schemes and offices, and a case's
office (`case.office`, an entry's code).

Seeded with what the portal offered until now, in the same order and words: the vocabularies'
members with their labels as they stand at this migration (frozen here: a later change of
words is an edit in the portal, not here), the configured funding schemes and offices
(`ACCORD_FUNDING_SCHEMES`, `ACCORD_OFFICES`, which from now on only seed a new database), and
every funding scheme already named on a case. A case stored a scheme's name; it now stores the
scheme's code, made from the name once, as every new entry's code is.

A new database gets the same seed through `create_after_tables`.
"""

import re
import unicodedata

from peewee import CharField, DateTimeField, IntegerField, Model

NAME = "the service's own lists"

# (list, code, label), in the order the forms offered them. Codes are the vocabularies' own.
BUILT_IN = (
    ("referral_source", "self", "Self-referral"),
    ("referral_source", "agency", "Agency"),
    ("agency_kind", "housing", "Housing provider"),
    ("agency_kind", "employer", "Employer"),
    ("agency_kind", "police", "Police"),
    ("agency_kind", "health", "GP or health service"),
    ("agency_kind", "social_care", "Social care"),
    ("agency_kind", "school", "School or college"),
    ("agency_kind", "council", "Local council"),
    ("agency_kind", "other", "Another organisation"),
    ("dispute_type", "neighbour", "Neighbour"),
    ("dispute_type", "workplace", "Workplace"),
    ("dispute_type", "family", "Family"),
    ("dispute_type", "other", "Other"),
    ("case_outcome", "resolved", "Resolved"),
    ("case_outcome", "partly_resolved", "Partly resolved"),
    ("case_outcome", "not_resolved", "Not resolved"),
    ("case_outcome", "withdrawn", "Withdrawn"),
    ("case_outcome", "not_suitable", "Not suitable"),
)
STEP = 10  # positions leave room between entries


class ListEntry(Model):
    list = CharField(max_length=30)
    code = CharField(max_length=100)
    label = CharField(max_length=100)
    position = IntegerField()
    retired_at = DateTimeField(null=True)

    class Meta:
        table_name = "list_entry"
        legacy_table_names = False
        indexes = ((("list", "code"), True),
                   (("list", "position"), False))


def slug(words, taken=()):
    """A code made from words (as `portal.service_lists.slug` makes it, frozen here): lower
    case ASCII words joined by `_`, at most 90 characters, numbered when already taken."""
    plain = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:90] or "entry"
    code, number = base, 2
    while code in taken:
        code, number = f"{base}_{number}", number + 1
    return code


def _configured():
    """The configured funding schemes and offices: the app's, or the configuration's defaults."""
    from flask import current_app, has_app_context

    from portal.config import Config
    config = current_app.config if has_app_context() else {
        "FUNDING_SCHEMES": Config.FUNDING_SCHEMES, "OFFICES": Config.OFFICES}
    return list(config.get("FUNDING_SCHEMES") or ()), list(config.get("OFFICES") or ())


def seed(db, scheme_names=()):
    """Write the first entries of every list; `scheme_names`, schemes named on cases, are added
    after the configured ones. Returns {scheme name: code}."""
    schemes, offices = _configured()
    rows = [dict(list=name, code=code, label=words) for name, code, words in BUILT_IN]
    codes = _codes_for([*schemes, *scheme_names])
    rows += [dict(list="funding_scheme", code=code, label=name[:100]) for name, code in codes.items()]
    rows += [dict(list="office", code=code, label=name[:100]) for name, code in _codes_for(offices).items()]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["list"]] = counts.get(row["list"], 0) + 1
        row["position"] = counts[row["list"]] * STEP
    with db.bind_ctx([ListEntry]):
        ListEntry.insert_many(rows).execute()
    return codes


def _codes_for(names):
    """{name: code} for distinct names, each code unique among them."""
    codes: dict[str, str] = {}
    for name in names:
        if name not in codes:
            codes[name] = slug(name, set(codes.values()))
    return codes


def create_after_tables(db):
    seed(db)


def upgrade(db, migrator):
    with db.bind_ctx([ListEntry]):
        db.create_tables([ListEntry])
    db.execute_sql('ALTER TABLE "case" ADD COLUMN office VARCHAR(100)')
    named = [row[0] for row in db.execute_sql(
        "SELECT DISTINCT funding_scheme FROM \"case\" WHERE funding_scheme IS NOT NULL AND funding_scheme != ''"
        " ORDER BY funding_scheme")]
    codes = seed(db, named)
    param = getattr(db, "obj", db).param
    for name, code in codes.items():
        if name != code:
            db.execute_sql(f'UPDATE "case" SET funding_scheme = {param} WHERE funding_scheme = {param}', (code, name))
