"""The service's agreement templates: headings and standard wording a coach starts from.

Read from a TOML file (portal/data/agreement_templates.toml, or ACCORD_AGREEMENT_TEMPLATES),
once per app, and checked when read so that a mistake in the file stops the app at start-up
rather than in front of a coach.
"""

import tomllib
from dataclasses import dataclass
from importlib.resources import files

from flask import current_app

DEFAULT_FILE = files("portal") / "data" / "agreement_templates.toml"


@dataclass(frozen=True)
class AgreementTemplate:
    key: str
    name: str
    title: str
    issues: tuple
    terms: tuple
    other_terms: str


def load(path):
    """The templates in the file, in order. Raises ValueError naming what is wrong."""
    with path.open("rb") as file:  # a Path, or the package's own file
        data = tomllib.load(file)
    templates = []
    for number, entry in enumerate(data.get("template", []), start=1):
        missing = {"key", "name", "title"} - entry.keys()
        if missing:
            raise ValueError(f"{path}: template {number} has no {', '.join(sorted(missing))}")
        templates.append(AgreementTemplate(
            key=str(entry["key"]), name=str(entry["name"]), title=str(entry["title"]),
            issues=tuple(str(i) for i in entry.get("issues", [])),
            terms=tuple(str(t) for t in entry.get("terms", [])),
            other_terms=str(entry.get("other_terms", ""))))
    keys = [t.key for t in templates]
    if len(keys) != len(set(keys)):
        raise ValueError(f"{path}: two templates share a key")
    if not templates:
        raise ValueError(f"{path}: no templates")
    return tuple(templates)


def init_app(app):
    app.extensions["agreement_templates"] = load(app.config["AGREEMENT_TEMPLATES"] or DEFAULT_FILE)


def templates():
    return current_app.extensions["agreement_templates"]


def find(key):
    return next((t for t in templates() if t.key == key), None)
