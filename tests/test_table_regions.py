"""A table that may scroll sideways on a phone sits in a box a keyboard user can reach and a
screen reader can name (axe's scrollable-region-focusable rule, which only fires when the table
is wide enough to scroll: the demo data does not make every table that wide)."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
WRAP = re.compile(r"<div[^>]*\bclass=\"table-wrap\"[^>]*>")
WRAPS = [(path.relative_to(TEMPLATES).as_posix(), tag)
         for path in sorted(TEMPLATES.rglob("*.html"))
         for tag in WRAP.findall(path.read_text())]


def test_the_templates_have_scrolling_tables():
    assert len(WRAPS) >= 7


@pytest.mark.parametrize(("template", "tag"), WRAPS, ids=[t for t, _ in WRAPS])
def test_every_scrolling_table_box_is_a_named_focusable_region(template, tag):
    assert 'role="region"' in tag
    assert 'tabindex="0"' in tag
    assert re.search(r'aria-label="[^"]+"', tag)
