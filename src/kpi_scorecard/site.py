"""The mkdocs integration, and the only module that imports mkdocs.

mkdocs.yml names two thin files in ``hooks/``: a hooks module that re-exports the ``on_*``
functions below, and a mkdocs-gen-files script that calls ``generate_pages``. The flow of one
build:

- ``on_pre_build`` (before mkdocs cleans ``site/``) loads, validates and computes, sharing the
  work between forked processes (workers.py: git's history is read while the files are, past
  reviews in shares); errors abort the build there, so the last good site stays as it was.
  On several cores it then starts forked processes that render the pages and exports while
  mkdocs builds (``_start_rendering``); otherwise it renders them itself, in shares. Last,
  it moves the last site aside for a thread to delete while the build goes on
  (``_start_emptying``);
- ``on_files`` adds the overview, one page per KPI, the exports and the assets as files held
  in memory, or whose content waits for those processes (with the hooks of an older ``kpi
  init``, the gen-files script writes them);
- ``on_nav`` keeps the KPI pages out of the navigation (linked from the overview instead), so
  a page does not carry every other page in its sidebar;
- generated pages reach Markdown as skeletons (render/blocks.py): ``on_page_content`` puts back
  the HTML blocks that search indexes, ``on_post_page`` the rest, after the search plugin has
  read the page;
- ``on_post_build`` moves the exports rendered meanwhile into ``site/`` and waits for the
  forked processes and the thread to end (``on_build_error`` stops them).

While serving (``mkdocs serve``, ``kpi serve``), a scorecard with errors does not fail the
build, which would leave the browser waiting: every page of the last good build, and the
overview, show the list of errors instead, and the next save that fixes them brings the site
back (live reload).

``build_site`` and ``serve_site`` drive mkdocs for the ``kpi`` command.
"""

from __future__ import annotations

import atexit
import dataclasses
import gc
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files, file_sort_key
from mkdocs.utils import get_relative_url

from kpi_scorecard import workers
from kpi_scorecard.audit.asreported import reviews
from kpi_scorecard.audit.history import History, commit_timestamp, read_history
from kpi_scorecard.errors import Problem, ValidationFailed
from kpi_scorecard.read.retrospectives import FOLDER
from kpi_scorecard.read.site_config import check_site_urls
from kpi_scorecard.read.validate import kpi_paths
from kpi_scorecard.render.audience import AUDIENCE_VARIABLE, for_audience, reviews_for_audience
from kpi_scorecard.render.blocks import (
    Block,
    Skeleton,
    deferring,
    filled,
    for_reader,
    for_search,
    searched,
    skeleton,
)
from kpi_scorecard.render.feed import FEED_PATH, with_feed_link
from kpi_scorecard.render.numbers import number_locale
from kpi_scorecard.render.pages import (
    Job,
    SiteData,
    page_jobs,
    remember_pages,
    render_pages,
    retrospective_results,
)
from kpi_scorecard.render.problems_page import nav_pages, problems_page
from kpi_scorecard.render.reviews import review_months
from kpi_scorecard.render.text import title_text
from kpi_scorecard.repository import load_repository
from kpi_scorecard.swap import staged, swap_in
from kpi_scorecard.workers import FollowedUp, Pending, Stream

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.nav import Navigation
    from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.plugins.kpi_scorecard")

ASSETS = ("kpi.js", "kpi.css", "plotly-basic.min.js", "plotly-basic.LICENSE.txt")
"""Files under site/assets/kpi/: ours, and plotly.js's basic bundle (vendored by
scripts/refresh-plotly at the version of the plotly package; it draws every chart we make)."""
ASSET_DIR = "assets/kpi"
GENERATED_DIRS = ("kpis/",)
"""Generated pages that stay out of the navigation."""


@dataclass(frozen=True)
class BuildState:
    """What on_pre_build prepared, for the gen-files script and page hooks of the same build."""

    root: Path
    data: SiteData
    user_retrospectives_index: bool = False
    """site_src/retrospectives/index.md exists: the team's own index is kept."""
    pages: Mapping[str, str | bytes] | None = None
    """Every generated file, rendered before mkdocs cleans ``site/`` (see rendered()); emptied
    once generate_pages has written them."""
    retrospective_results: Mapping[str, str] = field(default_factory=dict)
    """Slug -> the results section added to that retrospective's page."""
    later: Mapping[str, Job] = field(default_factory=dict)
    """On several cores, the generated pages and exports are not in ``pages``: forked
    processes render them while mkdocs builds (see on_files). Source path -> its job."""


_current: BuildState | None = None
_blocks: dict[str, tuple[Block, ...]] = {}
"""Source path of a generated page -> the HTML blocks its skeleton leaves out."""
_serving = False
"""mkdocs serve is running: errors are shown in the pages instead of failing the build."""
_skeletons: dict[str, tuple[str, Skeleton]] = {}
"""Source path -> (the page's text, its skeleton), from the last build of ``mkdocs serve``."""
_problem_pages: dict[str, str] | None = None
"""While serving a scorecard with errors: the pages that list them, by source path."""
_last_pages: tuple[str, ...] = ("index.md",)
"""The Markdown pages of the last good build: where the browser may be when a file breaks."""
_stream: Stream[tuple[str, str]] | None = None
"""The forked processes rendering this build's generated files (see ``_start_rendering``)."""
_exports: Path | None = None
"""Where they write the exports."""
_dirty = False
"""``mkdocs build --dirty``: mkdocs keeps what site/ holds."""
_emptying: threading.Thread | None = None
"""Deletes the last site's files while this build goes on (see ``_start_emptying``)."""
_command = ""
"""The mkdocs command that runs the build (``build``, ``serve``, ``gh-deploy``)."""
_built = False
"""The build succeeded (on_post_build ran, and no error came after it)."""
OLD_SITE = ".kpi-scorecard-old-site"
"""Where in site/ the last site's files wait to be deleted: mkdocs' cleaning skips names that
start with a dot."""


def repository_root(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent


def audience_of(config: MkDocsConfig) -> str | None:
    """KPI_AUDIENCE from the environment, else ``extra.kpi_audience`` in mkdocs.yml."""
    extra: dict[str, Any] = dict(config.extra or {})
    chosen = os.environ.get(AUDIENCE_VARIABLE) or extra.get("kpi_audience")
    return str(chosen) if chosen else None


def prepare(
    root: Path, audience: str | None = None, with_history: bool = True
) -> tuple[BuildState, list[Problem]]:
    """Load, validate, compute, read the history and keep one audience; raises
    ValidationFailed on errors. Returns the state and the warnings for the build log."""
    # git's history is read in another process while this one reads the files
    listed, pending = _history_reading(root) if with_history else ({}, None)
    try:
        repository = load_repository(root)
    except BaseException:
        if pending is not None:
            pending.cancel()
        raise
    scorecard = repository.scorecard
    history = History({})
    if pending is not None:
        history = pending.result()
        current = {kpi.path: kpi.id for kpi in scorecard.kpis.values()}
        if current != listed:  # pragma: no cover - a valid scorecard reads every file listed
            history = read_history(root, current)
    shown = {}
    if with_history:  # without it, nothing is known of what the reviews showed
        shown = reviews(scorecard.settings, history, review_months(repository.results), scorecard)
    scorecard, results, history = for_audience(audience, scorecard, repository.results, history)
    # The audience's KPI files, and the initiatives (their sign-off and readout warnings).
    kept = {kpi.path for kpi in scorecard.kpis.values()}
    kept |= {retro.path for retro in repository.retrospectives}
    data = SiteData(
        scorecard,
        results,
        history,
        tuple(repository.retrospectives),
        tuple(p for p in repository.quality if p.path in kept),
        reviews=reviews_for_audience(audience, shown, scorecard),
    )
    user_index = (root / FOLDER / "index.md").is_file()
    return BuildState(root, data, user_index), repository.warnings


HistoryReading = tuple[dict[str, str], Pending[History]]
"""The KPI files listed, and git's history of them being read in another process."""
_early_reading: tuple[Path, HistoryReading] | None = None
"""``kpi build`` starts reading the history before it checks the files, for the build to take
over (see ``_history_reading``)."""


def _history_reading(root: Path) -> HistoryReading:
    """The history reading ``kpi build`` started, if it is of the same files, else a new one."""
    global _early_reading
    early, _early_reading = _early_reading, None
    listed = kpi_paths(root)
    if early is not None and early[0] == root.resolve() and early[1][0] == listed:
        return early[1]
    if early is not None:
        early[1][1].cancel()
    return listed, Pending(partial(read_history, root, listed))


def _start_history_reading(root: Path) -> None:
    global _early_reading
    _stop_history_reading()
    _early_reading = (root.resolve(), _history_reading(root))


def _stop_history_reading() -> None:
    """A reading the build did not take over (it failed before) is not needed."""
    global _early_reading
    if _early_reading is not None:
        _early_reading[1][1].cancel()
        _early_reading = None


# -- mkdocs hooks (re-exported by hooks/scorecard.py) ------------------------------------------


def on_startup(command: str, dirty: bool) -> None:
    """``mkdocs serve`` builds again after each edit: pages whose inputs did not change are
    kept from one build to the next (render/pages.py), and a scorecard with errors is shown
    in the pages instead of failing the build (on_pre_build)."""
    global _serving, _dirty, _command
    _serving = command == "serve"
    _dirty = dirty
    _command = command
    remember_pages(_serving)
    workers.serving(_serving)


def on_pre_build(config: MkDocsConfig) -> None:
    """Everything that can fail happens here, before mkdocs cleans ``site/``: reading,
    validating, computing and rendering. A failure leaves the last site as it was; while
    serving, the pages show the errors instead."""
    with _collector_paused():
        _prepare_build(config)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused while the build reads and computes: what it makes (the
    scorecard, its history, a few hundred thousand objects) lives until the build ends, and
    the collector's passes over it while it grows were a fifth of the reading. Then it is
    moved out of the collector's sight (on_post_build undoes it), not walked once more. The
    forked processes started meanwhile do without collections too. What cyclic garbage the
    reading leaves waits until the build ends: so the reading must not make cycles of what it
    reads (a few closures and git's repository object, at 1,000 KPIs; see formulas.py)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _prepare_build(config: MkDocsConfig) -> None:
    global _current, _problem_pages, _last_pages, _built
    _built = False
    root = repository_root(config)
    use_commit_date(root)
    _stop_rendering()
    _rebuild.start(_dirty, config)
    _problem_pages = None
    try:
        check_site_urls(root, config)
        state, warnings = prepare(root, audience_of(config))
    except ValidationFailed as failed:
        if _serving:
            _current, _problem_pages = None, show_problems(failed, config)
            return
        raise PluginError(
            f"the scorecard has errors, the site was not changed:\n{failed.report()}"
        ) from None
    for problem in warnings:
        log.warning(str(problem))
    if state.data.history.incomplete:
        log.warning(f"history: {state.data.history.incomplete}")
    if config.strict and (warnings or state.data.history.incomplete):
        # mkdocs would stop at the end of the build, after emptying site/.
        raise PluginError("warnings in strict mode: the site was not changed")
    _current = rendered(state, config, in_background=_renders_in_background(config))
    generated = [*(_current.pages or {}), *_current.later]
    _last_pages = tuple(path for path in generated if path.endswith(".md"))
    if _current.later:  # started now, they render while mkdocs empties site/
        _start_rendering(config)
    if not _dirty:
        _start_emptying(Path(config.site_dir))


def show_problems(failed: ValidationFailed, config: MkDocsConfig) -> dict[str, str]:
    """The pages that list the errors while serving: each page of the last good build (the
    browser reloads the one it is on) and each page the navigation names that does not exist."""
    log.error(f"the scorecard has errors; the preview lists them:\n{failed.report()}")
    page = problems_page(failed.problems)
    docs = Path(config.docs_dir)
    missing = [path for path in nav_pages(config.nav) if not (docs / path).is_file()]
    return dict.fromkeys([*_last_pages, *missing], page)


def rendered(state: BuildState, config: MkDocsConfig, in_background: bool = False) -> BuildState:
    """The state with every generated page, export and asset rendered for this config, or
    only the assets and the jobs that render the rest (``in_background``, see on_files)."""
    data = dataclasses.replace(
        state.data,
        directory_urls=bool(config.use_directory_urls),
        repo_url=config.repo_url,
        site_url=config.site_url,
    )
    with_index = not state.user_retrospectives_index
    later = page_jobs(data, with_index) if in_background else {}
    with number_locale(data.scorecard.settings.locale):
        pages: dict[str, str | bytes] = (
            {} if in_background else dict(render_pages(data, with_index))
        )
        results = {
            retro.slug: retrospective_results(data, retro.slug) for retro in data.retrospectives
        }
    for name in ASSETS:
        pages[f"{ASSET_DIR}/{name}"] = (
            resources.files("kpi_scorecard").joinpath("assets", name).read_bytes()
        )
    return dataclasses.replace(
        state,
        data=data,
        pages=pages,
        retrospective_results={slug: text for slug, text in results.items() if text is not None},
        later=later,
    )


def _renders_in_background(config: MkDocsConfig) -> bool:
    """Whether forked processes render the generated files while mkdocs builds the pages:
    on several cores (workers.process_count: not while serving, whose rebuilds render again
    only what changed, in this process), with the hooks that add the files and put the
    blocks back (an older ``kpi init``'s hooks go through gen-files, which needs them all)."""
    return (
        workers.process_count() > 1
        and on_files in config.plugins.events["files"]
        and _hooks_put_blocks_back(config)
    )


def use_commit_date(root: Path) -> None:
    """Dates in the site (the sitemap's) come from the commit, not the clock, so that two builds
    of one commit are byte-identical; an explicit SOURCE_DATE_EPOCH wins."""
    if "SOURCE_DATE_EPOCH" not in os.environ:
        timestamp = commit_timestamp(root)
        if timestamp is not None:
            os.environ["SOURCE_DATE_EPOCH"] = str(timestamp)


@event_priority(50)  # before mkdocs-material's search writes its index (see _Rebuild)
def on_post_build(config: MkDocsConfig) -> None:
    """The exports rendered while mkdocs built go into site/, the last site's files are
    gone; our data goes back to the garbage collector (see _generated)."""
    global _built
    _rebuild.finish(config)
    if _stream is not None:
        _move_exports(config.site_dir)
    _stop_rendering()
    _finish_emptying()
    gc.unfreeze()
    _built = True


def on_build_error(error: Exception, **_: Any) -> None:
    """...also when the build fails (mkdocs serve goes on to the next build)."""
    global _built
    _built = False
    _rebuild.forget()
    _stop_rendering()
    _finish_emptying()
    gc.unfreeze()


@event_priority(-100)  # after every plugin's own on_shutdown
def on_shutdown() -> None:
    """``mkdocs build`` ends here when the build succeeded, as it would (output flushed,
    exit handlers run) but without Python's teardown, which frees the build's objects one by
    one: 0.4 s of a 1,000-KPI build in which nothing is left to do. Only in mkdocs' own
    process: a program that runs mkdocs' command line in its process goes on."""
    if _command == "build" and _built and runs_command("mkdocs"):
        exit_without_teardown(0)


def runs_command(name: str) -> bool:
    """Whether this process was started as the command ``name`` (``mkdocs``, ``kpi``) or as
    ``python -m name``, rather than by a program that runs it in its own process."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None:
        return bool(spec.name == f"{name}.__main__")
    return Path(getattr(main, "__file__", None) or "").name == name


def exit_without_teardown(code: int) -> NoReturn:
    """End the process as ``sys.exit`` would, skipping only the freeing of every object
    (mypy ends so too): what is printed is flushed, exit handlers (logging's, temporary
    folders') run."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(code)


def _start_emptying(site_dir: Path) -> None:
    """mkdocs empties site/ before it writes the new site: a few thousand files, 0.4 s of a
    1,000-KPI build in which nothing else happens. Instead each of the last site's entries
    moves into a hidden folder of site/ (one rename each, which mkdocs' cleaning skips), and a
    thread deletes them while the build goes on (the forked processes are started already).
    An entry that cannot move (a mount point) is left to mkdocs."""
    global _emptying
    _finish_emptying()
    old = site_dir / OLD_SITE
    try:
        entries = [e for e in site_dir.iterdir() if not e.name.startswith(".")]
        if not entries and not old.exists():  # a new folder (kpi build's staging one)
            return
        old.mkdir(exist_ok=True)
        for entry in entries:
            with suppress(OSError):
                entry.rename(old / f"{entry.name}-{time.monotonic_ns()}")
    except OSError:
        return  # no site/ yet; or mkdocs empties what is left, as it always did
    _emptying = threading.Thread(
        target=shutil.rmtree, args=(old,), kwargs={"ignore_errors": True}, daemon=True
    )
    _emptying.start()


def _finish_emptying() -> None:
    global _emptying
    if _emptying is not None:
        _emptying.join()
        _emptying = None


def on_nav(nav: Navigation, config: MkDocsConfig, files: Files, **_: Any) -> Navigation:
    """Drop generated KPI pages from an automatic navigation."""
    nav.items = [item for item in nav.items or [] if not _is_generated(item)]
    _rebuild.navigation(nav, config, files)
    return nav


def _is_generated(item: Any) -> bool:
    file = getattr(item, "file", None)
    if file is not None:
        return bool(file.src_uri.startswith(GENERATED_DIRS))
    children: list[Any] = getattr(item, "children", None) or []
    return bool(children) and all(_is_generated(child) for child in children)


def on_page_content(html: str, page: Page, config: MkDocsConfig, **_: Any) -> str:
    """A generated page gets back the blocks that search indexes (names, descriptions, notes,
    people) before the search plugin reads it in on_page_context."""
    blocks = _blocks.get(page.file.src_uri)
    if blocks is None:
        return html
    try:
        return for_search(html, blocks)
    except ValueError as error:
        raise PluginError(f"{page.file.src_uri}: {error} (check markdown_extensions)") from None


def on_post_page(output: str, page: Page, config: MkDocsConfig, **_: Any) -> str:
    """...and the rest (chart data, tables of numbers, histories) once it is written out: the
    page's content never holds them, so pages built earlier do not keep them in memory."""
    uri = page.file.src_uri
    _rebuild.built.add(page.url)
    blocks = _blocks.pop(uri, None)
    if blocks is not None and _stream is not None and _current and uri in _current.later:
        blocks = _full_blocks(uri, blocks)
    output = output if blocks is None else for_reader(output, blocks)
    feed = get_relative_url(FEED_PATH, page.url)
    return with_feed_link(output, feed, f"{config.site_name}: changes")


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, **_: Any) -> str:
    """A retrospective gets its results after the team's own words, and its title is text:
    the theme prints ``title:`` from the front matter as markup (the tab, header, heading)."""
    uri = page.file.src_uri
    if _current is None or not uri.startswith("retrospectives/") or uri.count("/") != 1:
        return markdown
    if isinstance(page.meta.get("title"), str):
        page.meta["title"] = title_text(page.meta["title"])
    results = _current.retrospective_results.get(Path(uri).stem)
    return markdown if results is None else f"{markdown.rstrip()}\n\n{results}"


# -- kpi serve: a rebuild writes only what changed -----------------------------------------------


class _Rebuild:
    """kpi serve runs mkdocs' dirty builds, which keep the site's folder and skip every file
    whose ``is_modified()`` is False. A generated file is unchanged when it holds the very text
    the last build wrote to its place (while serving, render/pages.py keeps an unchanged page
    as the same text) and that file is still there. A generated page must also be out of the
    navigation (the KPI pages: mkdocs reads only the pages it builds, and the navigation shows
    the titles of those it read), in a site of the same shape: the navigation every page
    carries, mkdocs.yml and the theme's overrides as in the last build. Hand-written pages are
    always built (a retrospective shows the scorecard's results). mkdocs-material's search
    index keeps the entries of the pages a build skipped (``_merge_search``). After a failed
    build the next one builds every file."""

    def __init__(self) -> None:
        self.active = False
        self.written: dict[str, object] = {}
        """Where the last build wrote a generated file -> what it wrote."""
        self.writing: dict[str, object] = {}
        self.shape: object = None
        self.same_shape = False
        self.in_navigation: set[str] = set()
        self.page_urls: list[str] = []
        self.built: set[str] = set()
        """The URLs of the pages this build wrote."""

    def start(self, dirty: bool, config: MkDocsConfig) -> None:
        self.active = dirty and not any(
            type(plugin).__module__.startswith("mkdocs.contrib.search")  # no merging there
            for plugin in config.plugins.values()
        )
        self.writing, self.built = {}, set()

    def files_added(self, files: Files, written: dict[str, object]) -> None:
        self.writing = written
        if self.active:
            for file in files.documentation_pages():
                if not isinstance(file, _Generated):
                    setattr(file, "is_modified", _always)  # noqa: B010 - mkdocs' own method

    def navigation(self, nav: Navigation, config: MkDocsConfig, files: Files) -> None:
        if not self.active:
            return
        shape = (_config_text(config), _overrides(config), _navigation_shape(nav.items))
        self.same_shape, self.shape = shape == self.shape, shape
        self.in_navigation = {page.file.src_uri for page in nav.pages}
        # in the order mkdocs builds them, with their URL as a page gives it (the home page's is "")
        self.page_urls = [
            "" if file.url in (".", "./") else file.url for file in files.documentation_pages()
        ]

    def unchanged(self, file: File) -> bool:
        destination = file.abs_dest_path
        if not self.active or destination not in self.written:
            return False
        if self.written[destination] is not self.writing.get(destination):
            return False
        if file.is_documentation_page() and (
            not self.same_shape or file.src_uri in self.in_navigation
        ):
            return False
        return os.path.isfile(destination)

    def finish(self, config: MkDocsConfig) -> None:
        """The build went through: the search index whole again, the files of pages that
        are gone removed, and what was written remembered."""
        if self.active:
            _merge_search(config, self.page_urls, self.built)
            for gone in self.written.keys() - self.writing.keys():
                with suppress(OSError):
                    os.remove(gone)
        self.written, self.writing = (self.writing if self.active else {}), {}

    def forget(self) -> None:
        self.written, self.writing, self.shape = {}, {}, None


_rebuild = _Rebuild()


def _always() -> bool:
    return True


def _config_text(config: MkDocsConfig) -> bytes:
    path = config.config_file_path
    try:
        return Path(path).read_bytes() if path else b""
    except OSError:
        return b""


def _overrides(config: MkDocsConfig) -> tuple[tuple[str, int], ...]:
    folder = config.theme.custom_dir
    if not folder:
        return ()
    return tuple(
        sorted((str(p), p.stat().st_mtime_ns) for p in Path(folder).rglob("*") if p.is_file())
    )


def _navigation_shape(items: list[Any]) -> tuple[object, ...]:
    """What the navigation shows: each item's title and link, a page's title as its source
    gives it (a generated page's front matter; a written page's file, by its time and size)."""
    return tuple(
        (
            type(item).__name__,
            getattr(item, "title", None),
            getattr(item, "url", None),
            _title_source(getattr(item, "file", None)),
            _navigation_shape(getattr(item, "children", None) or []),
        )
        for item in items
    )


def _title_source(file: File | None) -> object:
    if file is None:
        return None
    if isinstance(file, _Generated):
        text = file.content_string
        return text.partition("\n---\n")[0] if text.startswith("---") else text
    try:
        status = os.stat(file.abs_src_path or "")
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def _merge_search(config: MkDocsConfig, page_urls: list[str], built: set[str]) -> None:
    """mkdocs-material's search after a dirty build has the entries of the pages built; it
    would add them to the last index less those of one page. Instead each page keeps its
    entries from the last index unless it was built again, in the pages' order."""
    search = next((p for p in config.plugins.values() if hasattr(p, "search_index_prev")), None)
    previous = getattr(search, "search_index_prev", None)
    if search is None or previous is None:
        return
    kept: dict[str, list[Any]] = {}
    for entry in previous.entries:
        kept.setdefault(entry["location"].split("#")[0], []).append(entry)
    new: dict[str, list[Any]] = {}
    for entry in search.search_index.entries:
        new.setdefault(entry["location"].split("#")[0], []).append(entry)
    search.search_index.entries = [
        entry for url in page_urls for entry in (new if url in built else kept).get(url, [])
    ]
    search.search_index_prev = None  # it writes the entries as they are, and keeps them


# -- the generated files ----------------------------------------------------------------------


@event_priority(50)  # before other plugins' (gen-files' scripts, i18n...), which may edit them
def on_files(files: Files, config: MkDocsConfig, **_: Any) -> Files:
    """Every generated page, export and asset joins the build as a file held in memory (not
    written to a temporary folder and read back, as the gen-files script does); those the
    forked processes render (``_start_rendering``) as files whose content waits for them."""
    later = _current.later if _current is not None and _problem_pages is None else {}
    written: dict[str, object] = {}
    for path, content in _generated(config):
        file = _Generated.generated(config, path, content=content)
        written[file.abs_dest_path] = content
        _replace(files, file)
    _rebuild.files_added(files, written)
    for path in later:
        kind = _LaterPage if path.endswith(".md") else _LaterExport
        _replace(files, kind.of(config, path))
    for unused in _unused_theme_files(files, config):
        files.remove(unused)
    # in mkdocs' own order (as gen-files leaves them): pages and the search index keep theirs
    return Files(sorted(files, key=file_sort_key))


def _unused_theme_files(files: Files, config: MkDocsConfig) -> list[File]:
    """mkdocs-material's files that no page of the site loads (2.3 MB of every site): its
    source maps, for its own developers' browser tools, and the search's support for languages
    the search is not set to. Its search worker (``setupSearchLanguages``) loads
    ``lunr.<lang>.min.js`` for each language but English, ``lunr.stemmer.support`` with them,
    ``lunr.multi`` for several, ``tinyseg`` for Japanese and ``wordcut`` for Hindi and Thai."""
    docs = Path(config.docs_dir).resolve()
    theme_files = [
        file
        for file in files
        if file.abs_src_path is not None and not Path(file.abs_src_path).is_relative_to(docs)
    ]
    languages = _search_languages(config)
    lunr = "assets/javascripts/lunr/"
    needed = {f"{lunr}min/lunr.{language}.min.js" for language in languages if language != "en"}
    needed |= {f"{lunr}tinyseg.js" for language in languages if language == "ja"}
    needed |= {f"{lunr}wordcut.js" for language in languages if language in ("hi", "th")}
    if len(languages) > 1:
        needed.add(f"{lunr}min/lunr.multi.min.js")
    if needed:
        needed.add(f"{lunr}min/lunr.stemmer.support.min.js")
    return [
        file
        for file in theme_files
        if file.src_uri.endswith(".map")
        or (languages and file.src_uri.startswith(lunr) and file.src_uri not in needed)
    ]


def _search_languages(config: MkDocsConfig) -> list[str]:
    """The languages mkdocs-material's search is set to (its own default filled in by then);
    none when the site has no such search, whose language files are then all kept."""
    for name, plugin in config.plugins.items():
        if name.rpartition("/")[2] == "search":
            languages = getattr(plugin, "config", {}).get("lang")
            if isinstance(languages, list) and all(isinstance(x, str) for x in languages):
                return languages
    return []


def _replace(files: Files, file: File) -> None:
    """A generated file takes the place of a written one at its path."""
    existing = files.get_file_from_path(file.src_uri)
    if existing is not None:
        files.remove(existing)
    files.append(file)


# -- rendering while mkdocs builds ------------------------------------------------------------
#
# mkdocs' own work on the pages is single-threaded: on several cores, forked processes render
# the generated files meanwhile (workers.Stream), in the order mkdocs needs them. First every
# page's skeleton and the blocks search reads, which mkdocs reads first, page by page: its
# costly blocks are left for later (render/blocks.py: deferring); then, in the process that
# rendered the skeleton, those blocks, which go back when mkdocs writes the page out
# (on_post_page); then the exports, written to a folder of their own and moved into site/ at
# the end (on_post_build). This process never holds the whole site.


def _start_rendering(config: MkDocsConfig) -> None:
    global _stream, _exports
    assert _current is not None
    jobs = _current.later
    pages = sorted(
        (path for path in jobs if path.endswith(".md")),
        key=lambda path: file_sort_key(File(path, None, config.site_dir, False)),
    )
    # the few whole-scorecard exports first, the many small ones (one per KPI, per review)
    # last: this process takes the last ones while it waits, and at the end (Stream)
    exports = sorted((path for path in jobs if not path.endswith(".md")), key=_depth)
    try:
        _exports = Path(workers.private_folder("exports"))
    except OSError as error:  # before mkdocs empties site/: the last site stays
        raise PluginError(f"no temporary folder for the exports: {error}") from None
    items = [*(("skeleton", path) for path in pages), *(("export", path) for path in exports)]
    follow_ups = {("skeleton", path): ("blocks", path) for path in pages}
    locale = _current.data.scorecard.settings.locale
    _stream = Stream(partial(_render_in_background, jobs, locale, _exports), items, follow_ups)


def _depth(path: str) -> int:
    return path.count("/")


def _render_in_background(
    jobs: Mapping[str, Job], locale: str, exports: Path, item: tuple[str, str]
) -> object:
    """One item of the Stream, in a forked process (or here, if that failed)."""
    kind, path = item
    with number_locale(locale):
        if kind == "skeleton":  # the rest of the page follows, from what is left here
            with deferring() as deferred:
                text = jobs[path]()
            page = skeleton(text)
            rest = partial(_whole_page_blocks, text, deferred)
            return FollowedUp((page.markdown, searched(page.blocks)), rest)
        if kind == "blocks":  # the process that rendered its skeleton is gone
            return skeleton(jobs[path]()).blocks
        target = exports / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(jobs[path]().encode("utf-8"))
        return None


def _whole_page_blocks(text: str, deferred: list[Callable[[], str]]) -> tuple[Block, ...]:
    return skeleton(filled(text, deferred)).blocks


def _full_blocks(path: str, searched_blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    assert _stream is not None
    blocks = _stream.get(("blocks", path))
    assert isinstance(blocks, tuple)
    if len(blocks) != len(searched_blocks):  # a programming error
        raise PluginError(f"{path}: the page's skeleton does not match the page")
    return blocks


def _move_exports(site_dir: str) -> None:
    """The exports into site/, once they are all written."""
    assert _stream is not None and _current is not None and _exports is not None
    _stream.finish()
    for path in _current.later:
        if not path.endswith(".md"):
            target = Path(site_dir, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(_exports / path, target)


def _stop_rendering() -> None:
    """The forked processes stopped (they are done, or the build failed)."""
    global _stream, _exports
    if _stream is not None:
        _stream.close()
        _stream = None
    if _exports is not None:
        shutil.rmtree(_exports, ignore_errors=True)
        _exports = None


class _Generated(File):
    """A file this build adds: in a dirty build (kpi serve), mkdocs skips it when it is as
    the last build wrote it (see _Rebuild)."""

    def is_modified(self) -> bool:
        return not _rebuild.unchanged(self)


class _Later(_Generated):
    """A generated file that the forked processes render: its content, wherever mkdocs or a
    plugin reads it, waits for them."""

    _text: str | bytes | None = None
    _arrived = True

    @classmethod
    def of(cls, config: MkDocsConfig, path: str) -> _Later:
        file = cls.generated(config, path, content="")
        assert isinstance(file, _Later)
        file._arrived = False
        return file

    @property
    def _content(self) -> str | bytes | None:
        if not self._arrived:
            self._text, self._arrived = self._arrive(), True
        return self._text

    @_content.setter
    def _content(self, value: str | bytes | None) -> None:
        self._text, self._arrived = value, True

    def _arrive(self) -> str | bytes:
        raise NotImplementedError


class _LaterPage(_Later):
    def _arrive(self) -> str:
        """The skeleton; the blocks that search reads wait in _blocks for on_page_content."""
        assert _stream is not None, "read during the build that renders it"
        part = _stream.get(("skeleton", self.src_uri))
        assert isinstance(part, tuple)
        markdown, _blocks[self.src_uri] = part
        return str(markdown)


class _LaterExport(_Later):
    def copy_file(self, dirty: bool = False) -> None:
        """Moved into site/ by on_post_build."""

    def _arrive(self) -> bytes:
        assert _stream is not None and _exports is not None, "read during its build"
        _stream.wait(("export", self.src_uri))
        return (_exports / self.src_uri).read_bytes()


def generate_pages() -> None:
    """The gen-files script (hooks/gen_pages.py): with ``on_files`` among the hooks, which
    adds the files itself, nothing to do; the hooks/scorecard.py of an older ``kpi init``
    does not re-export it, and then the files are written through mkdocs-gen-files."""
    import mkdocs_gen_files
    from mkdocs_gen_files.editor import FilesEditor

    config = FilesEditor.current().config
    if on_files in config.plugins.events["files"]:
        return
    log.info(
        "hooks/scorecard.py does not re-export on_files: the generated files go through "
        "mkdocs-gen-files' temporary folder (slower); see kpi init's hooks/"
    )
    for path, content in _generated(config):
        mode, encoding = ("wb", None) if isinstance(content, bytes) else ("w", "utf-8")
        with mkdocs_gen_files.open(path, mode, encoding=encoding) as handle:
            handle.write(content)


def _generated(config: MkDocsConfig) -> Iterator[tuple[str, str | bytes]]:
    """Source path -> content of every generated file of this build: the rendered pages as
    skeletons (their blocks kept in ``_blocks``), or the pages that list the errors."""
    global _current
    if _problem_pages is not None:
        _blocks.clear()  # the problem pages are whole Markdown, no skeletons
        yield from _problem_pages.items()
        return
    state = _current
    if state is None or state.root != repository_root(config) or state.pages is None:
        state, _ = prepare(repository_root(config), audience_of(config))  # without our hooks
        state = _current = rendered(state, config)
    _blocks.clear()
    skeletons = _blocks_are_put_back(config)
    # Handed over one by one (a page's blocks kept in _blocks): a page's text is let go as
    # soon as it is split, so that the pages are never held twice.
    pages = dict(state.pages or {})
    state = _current = dataclasses.replace(state, pages={})
    for path in list(pages):
        content = pages.pop(path)
        if skeletons and isinstance(content, str) and path.endswith(".md"):
            page = _skeleton_of(path, content)
            _blocks[path] = page.blocks
            content = page.markdown
        yield path, content
        del content
    # The scorecard, its history and the pages are a few hundred thousand objects that live
    # until the build ends: kept out of the collector's passes, mkdocs' own work does not pay
    # for walking them again and again (about 5 % of a 1,000-KPI build). on_post_build undoes it.
    # (No collection first: it costs a full pass over them, and what it would free is little.)
    gc.freeze()


def _blocks_are_put_back(config: MkDocsConfig) -> bool:
    """Whether the hooks put a skeleton's blocks back: a repository's hooks/scorecard.py from
    before skeleton pages (kpi init wrote it) does not re-export these two, and then its pages
    go through Markdown whole, as they used to."""
    if _hooks_put_blocks_back(config):
        return True
    log.info(
        "hooks/scorecard.py does not re-export on_page_content and on_post_page: "
        "the generated pages go through Markdown whole (slower); see kpi init's hooks/"
    )
    return False


def _hooks_put_blocks_back(config: MkDocsConfig) -> bool:
    events = config.plugins.events
    return on_page_content in events["page_content"] and on_post_page in events["post_page"]


def _skeleton_of(path: str, text: str) -> Skeleton:
    """The page split once: under ``mkdocs serve`` an unchanged page is the very same text
    (a single build keeps nothing, as render/pages.py)."""
    if not _serving:
        return skeleton(text)
    cached = _skeletons.get(path)
    if cached is not None and cached[0] is text:
        return cached[1]
    page = skeleton(text)
    _skeletons[path] = (text, page)
    return page


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
    """Build into a staging folder beside ``site/`` and swap it in only when the build
    succeeded: a failed or killed build leaves the last site exactly as it was."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    quiet_upstream_banners()
    _show_mkdocs_log()
    use_commit_date(root)  # the build's day, for this first reading too
    _start_history_reading(root)  # while the files are checked
    try:
        load_repository(root)  # report data errors as a clean list before mkdocs starts
        config = load_config(str(root / "mkdocs.yml"), strict=strict)
        check_site_urls(root, config)
        site_dir = Path(config.site_dir)
        with staged(site_dir) as staging:
            config.site_dir = str(staging)
            build(config)
            swap_in(staging, site_dir)
    finally:
        _stop_history_reading()
    return site_dir


def serve_site(root: Path, dev_addr: str | None = None) -> None:
    from mkdocs.commands.serve import serve

    global _serving
    _serving = True  # also for hooks/ files written before on_startup was re-exported
    workers.serving(True)
    quiet_upstream_banners()
    _show_mkdocs_log()
    os.chdir(root)
    # Dirty builds: after an edit, only the files that changed are written (see _Rebuild).
    logging.getLogger("mkdocs.commands.build").addFilter(_DirtyNotice())
    serve(
        config_file=str(root / "mkdocs.yml"),
        dev_addr=dev_addr,
        livereload=True,
        build_type="dirty",
    )


class _DirtyNotice(logging.Filter):
    """mkdocs warns at each dirty build that its navigation may be out of date: kpi serve's
    rebuilds write every page that shows the navigation when it changed (_Rebuild)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


def configured_site_url(root: Path) -> str | None:
    """``site_url`` from mkdocs.yml (``!ENV`` resolved as mkdocs does), for links back to the
    site from what is sent elsewhere (the readout); None without one, or when it is not
    http(s)."""
    from mkdocs.utils.yaml import yaml_load

    path = root / "mkdocs.yml"
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        config = yaml_load(handle) or {}
    check_site_urls(root, {"site_url": config.get("site_url")})
    value = config.get("site_url")
    return str(value) if value else None
