"""A note as its coach wrote it, turned into HTML fit to show: the only source of note Markup.

Coaches type plain text with a light convention (a blank line between paragraphs, "- " or
"1. " at the start of each line of a list, *emphasis* and **strong emphasis**), or the few tags
the allow-list keeps. The text becomes those tags, and then nh3 (a maintained sanitiser) keeps
only the allow-list: p, br, ul, ol, li, em, strong, with no attributes at all. Scripts and
styles go with their content; links keep their words but lose the link. What the coach wrote is
stored as they wrote it; templates show it only through `note_html`.
"""

import re
from functools import cache

import nh3
from markupsafe import Markup

ALLOWED_TAGS = frozenset({"p", "br", "ul", "ol", "li", "em", "strong"})

_BULLET = re.compile(r"^\s*[-*•]\s+")
_NUMBER = re.compile(r"^\s*\d{1,3}[.)]\s+")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
# Markup the coach typed: a block that starts with one of the allowed block tags is left as is.
_HTML_BLOCK = re.compile(r"^\s*<(p|ul|ol)[\s>]", re.I)
# "<" that cannot start a tag ("a < b", "score <5") is text; nh3 would otherwise swallow what
# follows it as a broken tag.
_LONE_LT = re.compile(r"<(?![A-Za-z/!?])")
_EMPTY_P = re.compile(r"<p>(?:\s|<br>)*</p>")


@cache
def _cleaner():
    return nh3.Cleaner(tags=set(ALLOWED_TAGS), attributes={}, url_schemes=set(), link_rel=None,
                       clean_content_tags={"script", "style"}, strip_comments=True)


def _inline(text):
    return _EM.sub(r"<em>\1</em>", _STRONG.sub(r"<strong>\1</strong>", text))


def _block(block):
    lines = [line.rstrip() for line in block.split("\n")]
    if _HTML_BLOCK.match(block):
        return block
    if all(_BULLET.match(line) for line in lines):
        return "<ul>" + "".join(f"<li>{_inline(_BULLET.sub('', line, 1))}</li>" for line in lines) + "</ul>"
    if all(_NUMBER.match(line) for line in lines):
        return "<ol>" + "".join(f"<li>{_inline(_NUMBER.sub('', line, 1))}</li>" for line in lines) + "</ol>"
    return "<p>" + "<br>".join(_inline(line.strip()) for line in lines) + "</p>"


def to_html(raw):
    """The light plain-text convention as HTML, before cleaning (never shown as it is)."""
    text = _LONE_LT.sub("&lt;", (raw or "").replace("\r\n", "\n").replace("\r", "\n"))
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "".join(_block(b.strip("\n")) for b in blocks)


def note_html(raw):
    """What a coach wrote, as safe HTML: the allow-list only, no attributes, no links."""
    # Removing empty paragraphs (left where a removed script stood) only ever takes away.
    return Markup(_EMPTY_P.sub("", _cleaner().clean(to_html(raw))))
