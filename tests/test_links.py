"""Every internal link and resource of a built site resolves: the example and the fixtures."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from kpi_scorecard.cli import main

from .conftest import add_site_config, copy_example, make_repo

SITE_URL_PATH = "/"
"""mkdocs.yml's site_url path in the tests (http://127.0.0.1:8000/)."""


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)


def broken_links(site: Path) -> list[str]:
    """``page: reference`` for each internal href or src of a page that points at no file."""
    broken = []
    for page in sorted(site.rglob("*.html")):
        parser = _References()
        parser.feed(page.read_text(encoding="utf-8"))
        for reference in parser.found:
            if not _resolves(site, page, reference):
                broken.append(f"{page.relative_to(site)}: {reference}")
    return broken


def _resolves(site: Path, page: Path, reference: str) -> bool:
    parts = urlsplit(reference)
    if parts.scheme in ("mailto", "data", "javascript"):
        return parts.scheme != "javascript"
    if parts.scheme or parts.netloc:
        # Absolute links into the site itself (site_url) are checked; others are external.
        if parts.netloc != "127.0.0.1:8000":
            return True
        target = site / unquote(parts.path).removeprefix(SITE_URL_PATH)
    elif not parts.path:
        return True  # "#anchor" on the same page
    elif parts.path.startswith("/"):  # 404.html links from the site_url's path
        target = site / unquote(parts.path).removeprefix(SITE_URL_PATH)
    else:
        target = page.parent / unquote(parts.path)
    target = target.resolve()
    if not target.is_relative_to(site.resolve()):
        return False
    return target.is_file() or (target / "index.html").is_file()


def build(folder: Path) -> Path:
    result = CliRunner().invoke(main, ["build", str(folder)])
    assert result.exit_code == 0, result.output
    return folder / "site"


@pytest.mark.parametrize("directory_urls", [True, False])
def test_the_example_site_has_no_broken_links(tmp_path: Path, directory_urls: bool) -> None:
    example = copy_example(tmp_path / "example")
    if not directory_urls:
        config = example / "mkdocs.yml"
        config.write_text(config.read_text() + "use_directory_urls: false\n")
    site = build(example)
    assert len(list(site.rglob("*.html"))) > 20
    assert broken_links(site) == []


def test_the_fixture_site_has_no_broken_links(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    add_site_config(repo)
    assert broken_links(build(repo)) == []


def test_the_checker_finds_a_broken_link(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(
        '<a href="../b/">b</a><a href="../a/">a</a><img src="x.png"><a href="https://x.org/y">'
    )
    assert broken_links(tmp_path) == ["a/index.html: ../b/", "a/index.html: x.png"]
