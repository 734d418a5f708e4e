"""What mail clients make of an HTML email, checked with an HTML parser.

Gmail drops ``<style>`` blocks in some views and every ``class`` with them, shows no ``data:``
images and proxies or blocks remote ones; Outlook on Windows lays mail out with Word, which
ignores flexbox, grid, CSS variables and ``max-width`` and sizes tables by their attributes.
So an email that shows the same everywhere has inline styles only, nested tables with their
widths as attributes, no scripts, frames, forms or stylesheets, images (if any) as MIME parts
referenced by ``cid:``, and links that are absolute. ``findings`` lists every departure.
"""

from __future__ import annotations

from html.parser import HTMLParser

GMAIL_CLIPS_AT = 102 * 1024
"""Gmail cuts a message whose HTML is larger than this behind "[Message clipped]"."""
REFUSED_ELEMENTS = {
    "script", "style", "link", "iframe", "frame", "frameset", "object", "embed", "applet",
    "form", "input", "button", "select", "textarea", "svg", "math", "video", "audio",
    "canvas", "base", "noscript", "template",
}  # fmt: skip
REFUSED_ATTRIBUTES = {"class", "id", "background", "srcset", "bgsound", "dynsrc", "lowsrc"}
"""``class`` and ``id`` only make sense with a stylesheet, which the email must not need."""
TABLE_ATTRIBUTES = ("role", "width", "cellpadding", "cellspacing", "border")
LINK_SCHEMES = ("https://", "http://", "mailto:")
LAYOUT_THAT_OUTLOOK_IGNORES = {"flex", "inline-flex", "grid", "inline-grid"}


class MailAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []
        self.outlook_comments: list[str] = []
        """The contents of ``<!--[if mso]>...<![endif]-->`` comments, for Outlook alone."""
        self.images: list[str] = []
        """Every ``<img>``'s src."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        where = f"<{tag}>"
        if tag in REFUSED_ELEMENTS:
            self.findings.append(f"{where}: not shown by mail clients")
        if tag == "meta" and "http-equiv" in attributes:
            self.findings.append(f"{where}: http-equiv")
        for name in attributes:
            if name.startswith("on") or name in REFUSED_ATTRIBUTES:
                self.findings.append(f"{where}: attribute {name}")
            if name == "src" and tag != "img":
                self.findings.append(f"{where}: src outside an image")
        if tag == "img":
            self._image(attributes)
        if tag == "a":
            href = attributes.get("href", "")
            if not href.startswith(LINK_SCHEMES):
                self.findings.append(f"{where}: href {href!r} is not an absolute web or mail link")
        if tag == "table":
            missing = [name for name in TABLE_ATTRIBUTES if name not in attributes]
            if missing:
                self.findings.append(
                    f"{where}: without {', '.join(missing)} (Outlook sizes by them)"
                )
        self._style(tag, attributes.get("style", ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        if data.startswith("[if mso]>") and data.endswith("<![endif]"):
            self.outlook_comments.append(data.removeprefix("[if mso]>").removesuffix("<![endif]"))

    def _image(self, attributes: dict[str, str]) -> None:
        src = attributes.get("src", "")
        self.images.append(src)
        if not src.startswith("cid:"):
            self.findings.append(f"<img>: src {src[:40]!r} (a related MIME part, cid:, shows)")
        if not attributes.get("alt"):
            self.findings.append(f"<img>: no alt text for {src[:40]!r}")

    def _style(self, tag: str, style: str) -> None:
        for declaration in style.split(";"):
            name, _, value = (part.strip().lower() for part in declaration.partition(":"))
            if not name:
                continue
            where = f"<{tag}> {name}:{value}"
            if name == "display" and value in LAYOUT_THAT_OUTLOOK_IGNORES:
                self.findings.append(f"{where}: Outlook ignores it")
            if name.startswith(("flex", "grid", "--")) or "var(" in value:
                self.findings.append(f"{where}: Outlook ignores it")
            if any(bad in value for bad in ("url(", "expression(", "calc(", "@import")):
                self.findings.append(f"{where}: refused or unknown in mail clients")
            if name == "position":
                self.findings.append(f"{where}: Gmail drops positioning")
            if name == "max-width" and tag != "table":
                self.findings.append(f"{where}: Outlook ignores max-width outside a table")


def mail_findings(html: str) -> list[str]:
    """Everything in ``html`` that Gmail or Outlook would drop, refuse or lay out differently."""
    audit = MailAudit()
    audit.feed(html)
    audit.close()
    findings = list(audit.findings)
    if len(html.encode()) > GMAIL_CLIPS_AT:
        findings.append(f"{len(html.encode())} bytes: Gmail clips the message")
    if "max-width" in html and not any('width="' in c for c in audit.outlook_comments):
        findings.append("a max-width column without Outlook's fixed-width table around it")
    return findings


def image_sources(html: str) -> list[str]:
    audit = MailAudit()
    audit.feed(html)
    audit.close()
    return audit.images
