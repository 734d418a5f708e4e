"""The settings of ``mkdocs.yml`` that the build checks beyond what mkdocs checks.

mkdocs accepts any URL with a scheme and a host, ``javascript://%0aalert(1)`` included, and
the theme prints ``repo_url`` and ``site_url`` as links on every page.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kpi_scorecard.errors import Problem, ValidationFailed, quote

URL_SETTINGS = ("site_url", "repo_url", "edit_uri")
"""mkdocs.yml settings that become links on every page."""


def check_site_urls(root: Path, config: Mapping[str, Any]) -> None:
    """Links from mkdocs.yml are http(s) or relative: mkdocs accepts ``javascript://...``
    as a URL, and the theme would make it a live link."""
    problems = [
        Problem(
            "mkdocs.yml",
            _line_of(root / "mkdocs.yml", name),
            f"{name}: {quote(value)} is not an http(s) address",
            "expected https://...",
        )
        for name in URL_SETTINGS
        if not _safe_url(value := str(config.get(name) or ""), relative=name == "edit_uri")
    ]
    if problems:
        raise ValidationFailed(problems)


def _safe_url(value: str, relative: bool) -> bool:
    try:
        scheme = urlsplit(value).scheme.lower()
    except ValueError:  # e.g. an unclosed [ in the host
        return False
    return not value or scheme in ("http", "https") or (relative and not scheme)


def _line_of(config_file: Path, key: str) -> int:
    try:
        lines = config_file.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return 1
    return next((n for n, line in enumerate(lines, 1) if line.startswith(f"{key}:")), 1)
