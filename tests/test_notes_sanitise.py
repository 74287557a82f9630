"""What a coach writes is shown only as the allow-list: p, br, ul, ol, li, em, strong."""

import re

import pytest
from markupsafe import Markup

from portal.notes.sanitise import ALLOWED_TAGS, note_html

TAG_RE = re.compile(r"<\s*/?\s*([a-zA-Z0-9]+)([^>]*)>")


def tags_in(html):
    return {(name.lower(), attrs.strip()) for name, attrs in TAG_RE.findall(html)}


def test_the_light_convention_becomes_paragraphs_lists_and_emphasis():
    html = note_html("First line\nsecond line\n\n- one\n- *two*\n\n1. **three**\n2. four")
    assert html == ("<p>First line<br>second line</p><ul><li>one</li><li><em>two</em></li></ul>"
                    "<ol><li><strong>three</strong></li><li>four</li></ol>")
    assert isinstance(html, Markup)


@pytest.mark.parametrize("raw, gone", [
    ("<script>alert('x')</script>Hello", "alert"),
    ("<style>body { display: none }</style>Hello", "display"),
    ("<p onclick=\"steal()\">Hello</p>", "steal"),
    ("<p style=\"color: red\" class=\"x\" id=\"y\">Hello</p>", "color"),
    ("<a href=\"https://evil.example\">Hello</a>", "evil.example"),
    ("<a href=\"javascript:alert(1)\">Hello</a>", "javascript"),
    ("<img src=x onerror=alert(1)>Hello", "onerror"),
    ("<iframe src=\"https://evil.example\"></iframe>Hello", "iframe"),
    ("<svg><script>alert(1)</script></svg>Hello", "alert"),
    ("<!-- a comment -->Hello", "comment"),
    ("<em onmouseover=\"x()\">Hello</em>", "onmouseover"),
])
def test_scripts_attributes_links_and_other_tags_are_stripped(raw, gone):
    html = str(note_html(raw))
    assert "Hello" in html
    assert gone not in html
    assert {name for name, _ in tags_in(html)} <= ALLOWED_TAGS
    assert all(attrs in ("", "/") for _, attrs in tags_in(html))


def test_a_link_keeps_its_words_but_not_the_link():
    assert str(note_html('See <a href="https://example.org/x">the leaflet</a>.')) == \
        "<p>See the leaflet.</p>"


def test_allowed_tags_typed_by_the_coach_are_kept():
    html = str(note_html("<ul><li>a</li><li><strong>b</strong></li></ul>"))
    assert html == "<ul><li>a</li><li><strong>b</strong></li></ul>"


def test_a_less_than_sign_in_text_is_text_and_nothing_after_it_is_lost():
    html = str(note_html("Noise at a < 5 level, score<3 & rising"))
    assert html == "<p>Noise at a &lt; 5 level, score&lt;3 &amp; rising</p>"


def test_stars_inside_words_are_not_emphasis():
    assert str(note_html("2*3*4 = 24")) == "<p>2*3*4 = 24</p>"


def test_empty_text_is_empty():
    assert str(note_html("")) == ""
    assert str(note_html(None)) == ""
