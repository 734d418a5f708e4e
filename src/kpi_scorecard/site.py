"""The mkdocs integration, and the only module that imports mkdocs.

mkdocs.yml names two thin files in ``hooks/``: a hooks module that re-exports the ``on_*``
functions below, and a mkdocs-gen-files script that calls ``generate_pages``. The flow of one
build:

- ``on_pre_build`` (before mkdocs cleans ``site/``) loads, validates and computes; errors abort
  the build there, so the last good site stays as it was;
- the gen-files script writes the overview, one page per KPI, the exports and the assets;
- ``on_nav`` keeps the KPI pages out of the navigation (linked from the overview instead), so
  a page does not carry every other page in its sidebar.

``build_site`` and ``serve_site`` drive mkdocs for the ``kpi`` command.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from mkdocs.exceptions import PluginError

from kpi_scorecard.compute import compute
from kpi_scorecard.errors import Problem, ValidationFailed
from kpi_scorecard.history import History, read_history
from kpi_scorecard.model import Results, Scorecard
from kpi_scorecard.render.exports import scorecard_json, values_csv
from kpi_scorecard.render.history import changes_page, history_json
from kpi_scorecard.render.html import Links
from kpi_scorecard.render.kpi_page import PageHistory, kpi_page
from kpi_scorecard.render.overview import overview_page
from kpi_scorecard.review import assign_presenters
from kpi_scorecard.schema import schema_texts
from kpi_scorecard.validate import load_scorecard

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.nav import Navigation

log = logging.getLogger("mkdocs.plugins.kpi_scorecard")

ASSETS = ("kpi.js", "kpi.css")
"""Our own files under site/assets/kpi/, beside plotly.min.js from the plotly package."""
ASSET_DIR = "assets/kpi"
GENERATED_DIRS = ("kpis/",)
"""Generated pages that stay out of the navigation."""


@dataclass(frozen=True)
class BuildState:
    """What on_pre_build computed, for the gen-files script of the same build."""

    root: Path
    scorecard: Scorecard
    results: Results
    history: History = field(default_factory=lambda: History({}))


_current: BuildState | None = None


def repository_root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent


def prepare(root: Path, with_history: bool = True) -> tuple[BuildState, list[Problem]]:
    """Load, validate, compute and read the history; raises ValidationFailed on errors."""
    scorecard, warnings = load_scorecard(root)
    results, compute_warnings = compute(scorecard)
    history = History({})
    if with_history:
        history = read_history(root, {kpi.path: kpi.id for kpi in scorecard.kpis.values()})
    return BuildState(root, scorecard, results, history), sorted(warnings + compute_warnings)


# -- mkdocs hooks (re-exported by hooks/scorecard.py) ------------------------------------------


def on_pre_build(config: MkDocsConfig) -> None:
    global _current
    try:
        state, warnings = prepare(repository_root(config))
    except ValidationFailed as failed:
        raise PluginError(
            f"the scorecard has errors, the site was not changed:\n{failed.report()}"
        ) from None
    for problem in warnings:
        log.warning(str(problem))
    if state.history.incomplete:
        log.warning(f"history: {state.history.incomplete}")
    _current = state


def on_nav(nav: Navigation, config: MkDocsConfig, **_: Any) -> Navigation:
    """Drop generated KPI pages from an automatic navigation."""
    nav.items = [item for item in nav.items or [] if not _is_generated(item)]
    return nav


def _is_generated(item: Any) -> bool:
    file = getattr(item, "file", None)
    if file is not None:
        return bool(file.src_uri.startswith(GENERATED_DIRS))
    children: list[Any] = getattr(item, "children", None) or []
    return bool(children) and all(_is_generated(child) for child in children)


# -- the gen-files script ---------------------------------------------------------------------


def generate_pages() -> None:
    """Write every generated file through mkdocs-gen-files (called by hooks/gen_pages.py)."""
    import mkdocs_gen_files
    from mkdocs_gen_files.editor import FilesEditor

    editor = FilesEditor.current()
    config = editor.config
    state = _current
    if state is None or state.root != repository_root(config):
        state, _ = prepare(repository_root(config))  # run without our hooks module
    directory_urls = bool(config.use_directory_urls)
    for path, text in render_pages(state, directory_urls, config.repo_url).items():
        with mkdocs_gen_files.open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    for name in ASSETS:
        with mkdocs_gen_files.open(f"{ASSET_DIR}/{name}", "w", encoding="utf-8") as handle:
            handle.write(
                resources.files("kpi_scorecard").joinpath("assets", name).read_text("utf-8")
            )
    with mkdocs_gen_files.open(f"{ASSET_DIR}/plotly.min.js", "wb") as handle:
        handle.write(
            resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()
        )


def render_pages(
    state: BuildState, directory_urls: bool = True, repo_url: str | None = None
) -> dict[str, str]:
    """Source path -> content of every generated page and export."""
    scorecard, results, history = state.scorecard, state.results, state.history
    presenters = assign_presenters(scorecard, results.as_of)
    pages = {
        "index.md": overview_page(scorecard, results, Links(0, directory_urls)),
        "changes.md": changes_page(scorecard, history, Links(0, directory_urls), repo_url),
        "data/scorecard.json": scorecard_json(scorecard, results, presenters),
        "data/values.csv": values_csv(scorecard, results),
        "data/history.json": history_json(history, scorecard.kpis),
    }
    pages.update({f"schema/{name}": text for name, text in schema_texts().items()})
    kpi_links = Links(1, directory_urls)
    for kpi_id, kpi in scorecard.kpis.items():
        page_history = PageHistory(history.of(kpi_id), history.incomplete, repo_url)
        pages[f"kpis/{kpi_id}.md"] = kpi_page(kpi, scorecard, results, kpi_links, page_history)
    return pages


# -- the kpi command ---------------------------------------------------------------------------


def quiet_upstream_banners() -> None:
    """mkdocs-material and properdocs print notices about MkDocs 2.0 when run as ``mkdocs``;
    both honour these variables, which keep our commands' output to our own messages."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "true")
    os.environ.setdefault("DISABLE_MKDOCS_2_WARNING", "true")


class _EchoHandler(logging.Handler):
    """mkdocs' log on the current stderr (looked up at each record, so that click's test
    runner and redirections see it)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(self.format(record), err=True)


def _show_mkdocs_log() -> None:
    logger = logging.getLogger("mkdocs")
    if not any(isinstance(h, _EchoHandler) for h in logger.handlers):
        handler = _EchoHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def build_site(root: Path, strict: bool = False) -> Path:
    """Build into a temporary folder beside ``site/`` and swap it in only when the build
    succeeded: a failed build leaves the last site exactly as it was."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    quiet_upstream_banners()
    _show_mkdocs_log()
    load_scorecard(root)  # report data errors as a clean list before mkdocs starts
    config = load_config(str(root / "mkdocs.yml"), strict=strict)
    site_dir = Path(config.site_dir)
    staging = Path(tempfile.mkdtemp(prefix=".site-new-", dir=site_dir.parent))
    try:
        config.site_dir = str(staging)
        build(config)
        _swap(staging, site_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return site_dir


def _swap(new: Path, target: Path) -> None:
    old = target.with_name(f".site-old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def serve_site(root: Path, dev_addr: str | None = None) -> None:
    from mkdocs.commands.serve import serve

    quiet_upstream_banners()
    _show_mkdocs_log()
    os.chdir(root)
    serve(config_file=str(root / "mkdocs.yml"), dev_addr=dev_addr, livereload=True)
