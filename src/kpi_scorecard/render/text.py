"""Contributors' text on the page: escaped as content, or Markdown rendered and sanitised.

Python-Markdown passes raw HTML and ``javascript:`` links through, so everything it renders
from a KPI file goes through nh3 with a short list of tags and safe link schemes.
"""

from __future__ import annotations

import functools
import html
import json
import re

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "ul", "ol", "li", "a", "blockquote",
    "del", "sub", "sup",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
_TITLE_LOOKALIKES = str.maketrans({"<": "\u2039", ">": "\u203a", "&": "\uff06"})
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


_HTML_SPECIAL = re.compile(r"[&<>\"'\r\n]")
_LINE_BREAK = re.compile(r"\r\n?|\n")


def escape(text: str) -> str:
    """Text for an HTML element or attribute, on one line of the page's source: a line break
    is written ``&#10;`` (the same character to a browser), since a blank line would end the
    raw HTML block the text sits in (a KPI named over two paragraphs broke its page)."""
    # Most cells are numbers: one scan in C spares html.escape's five replacements.
    if not _HTML_SPECIAL.search(text):
        return text
    return _LINE_BREAK.sub("&#10;", html.escape(text, quote=True))


def inline(text: str) -> str:
    """Text for a Markdown line (a heading, a table cell): shown exactly as written."""
    one_line = " ".join(text.split())
    # No entity for an apostrophe: its '#' would be backslashed below, and CommonMark (GitHub,
    # where kpi diff and kpi readout's Markdown go) then shows "&#x27;" as written.
    markup_safe = html.escape(one_line, quote=False).replace('"', "&quot;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", markup_safe)


def front_matter_title(text: str, searchable: bool = True) -> str:
    """Front matter that sets a page's title (used by the theme in <title>, the header and the
    navigation). Themes print titles through Jinja's ``striptags``, which unescapes entities,
    so markup characters are replaced by look-alikes instead of being escaped.
    ``searchable=False`` keeps the page out of the search index (mkdocs-material's search)."""
    safe = title_text(text)
    search = "" if searchable else "search:\n  exclude: true\n"
    # Generated pages are not in the navigation: its sidebar and the table of contents would
    # only take the width the tables need.
    hide = "hide:\n  - navigation\n  - toc\n"
    return f"---\ntitle: {json.dumps(safe, ensure_ascii=False)}\n{hide}{search}---\n\n"


def title_text(text: str) -> str:
    """A page title on one line with ``<``, ``>`` and ``&`` as look-alikes (see
    front_matter_title)."""
    return " ".join(text.split()).translate(_TITLE_LOOKALIKES)


_MARKDOWN = markdown.Markdown(output_format="html")
"""One converter for every description and note: building one costs more than converting a
note (reset() between texts)."""
PLAIN_SENTENCE = re.compile(r"[A-Za-z](?:[A-Za-z0-9 .,;:%()?!/'-]*[A-Za-z0-9.,;:%)?!'])?")
"""One line that Markdown would only wrap in <p> and nh3 would leave as it is (tests prove it
against both): most notes, rendered without either."""
_WORDS = r"[A-Za-z0-9](?:[A-Za-z0-9 .,;:%()?!/'-]*[A-Za-z0-9.,;:%)?!'])?"
_BOLD = re.compile(rf"\*\*({_WORDS})\*\*")
PLAIN_WITH_BOLD = re.compile(
    rf"(?:[A-Za-z]|\*\*{_WORDS}\*\*)(?:[A-Za-z0-9 .,;:%()?!/'-]|(?<!\*)\*\*{_WORDS}\*\*)*"
    r"(?<![ (/-])"
)
"""A plain sentence with words in bold (``**...**``, two spans never side by side), which
Markdown would render as <strong> and nh3 leave as it is (tests prove it against both): the
most common formatting of a note, rendered without either."""


@functools.lru_cache(maxsize=65536)
def rich(text: str) -> str:
    """A description or note: Markdown -> sanitised HTML on one line, so it can sit inside a
    raw HTML block of a generated page without ending it. Each text is rendered once: a note
    is shown on its KPI's page, in its review pack and to search."""
    if PLAIN_SENTENCE.fullmatch(text):
        return f"<p>{text}</p>"
    if PLAIN_WITH_BOLD.fullmatch(text):
        return "<p>" + _BOLD.sub(r"<strong>\1</strong>", text) + "</p>"
    rendered = _MARKDOWN.reset().convert(text)
    cleaned = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    # Blank lines would end the raw HTML block early; newlines inside <pre> become <br>.
    return cleaned.replace("\r", "").replace("\n\n", "\n").replace("\n", "&#10;")
