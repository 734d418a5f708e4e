"""Files that commands write for people: a new KPI, a new repository, schemas, CODEOWNERS.

Every writer checks first and writes last, so a command that fails changes no file.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from importlib import resources
from importlib.metadata import version
from pathlib import Path

from kpi_scorecard.edit.files import write_all
from kpi_scorecard.edit.lines import note_text
from kpi_scorecard.edit.record import check_result
from kpi_scorecard.errors import Problems, ScorecardError, one_line, quote
from kpi_scorecard.model import KPI_ID_PATTERN, Scorecard
from kpi_scorecard.read.fields import did_you_mean, person_hint
from kpi_scorecard.read.schema import KPI_HELP, schema_comment, schema_texts
from kpi_scorecard.read.validate import load_scorecard
from kpi_scorecard.render.text import inline, title_text

SCHEMA_DIR = "schema"
COMMAND = "kpi new"


@dataclass(frozen=True)
class NewKpi:
    kpi_id: str
    name: str
    owner: str
    category: str
    better: str
    description: str = "What this KPI measures, and how it is counted."
    unit: str = "number"


def relative_schema(from_file: str) -> str:
    """The path from a file (relative to the root) to the root's schema/kpi.schema.json."""
    depth = from_file.count("/")
    return "../" * depth + f"{SCHEMA_DIR}/kpi.schema.json"


def kpi_file_text(new: NewKpi, path: str) -> str:
    """A KPI file with a comment for each field, ready for its first value."""
    help_lines = [f"#   {key:<12} {text}" for key, text in KPI_HELP.items()]
    lines = [
        schema_comment(relative_schema(path)),
        f"# The KPI '{new.kpi_id}' (the file name is its id). Its fields:",
        *help_lines,
        f"name: {_quoted(new.name)}",
        f"description: {_quoted(new.description)}",
        f"category: {new.category}",
        f"owner: {new.owner}",
        f"better: {new.better}",
        f"unit: {new.unit}",
        "aggregate: mean",
        "# target: 100",
        "values:",
        "notes:",
    ]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    """One line of text as a double-quoted YAML scalar (runs of whitespace become a space)."""
    return note_text(" ".join(text.split()))


def new_kpi(root: Path, new: NewKpi) -> Path:
    """Write ``kpis/<category>/<id>.yaml`` (and the schemas when missing) after checking that the
    scorecard with it validates; raises ValidationFailed or ScorecardError, writing nothing."""
    scorecard, _ = load_scorecard(root)
    problems = Problems()
    _check_new(scorecard, new, problems)
    problems.raise_if_errors()
    relative = f"kpis/{new.category}/{new.kpi_id}.yaml"
    path = root / relative
    if path.exists():
        raise ScorecardError(f"{relative} exists already")
    text = kpi_file_text(new, relative)
    check_result(root, {path: text})
    write_all({path: text, **missing_schemas(root)}, root)
    return path


def _check_new(scorecard: Scorecard, new: NewKpi, problems: Problems) -> None:
    def error(message: str, expected: str | None = None) -> None:
        problems.error(COMMAND, 1, message, expected)

    if not KPI_ID_PATTERN.match(new.kpi_id):
        error(
            f"{quote(new.kpi_id)} is not a valid KPI id",
            "lowercase letters, digits and _, starting with a letter",
        )
    elif new.kpi_id in scorecard.kpis:
        error(f"the KPI '{new.kpi_id}' exists already ({scorecard.kpis[new.kpi_id].path})")
    if new.owner not in scorecard.people:
        error(f"owner: unknown person {quote(new.owner)}", person_hint(new.owner, scorecard.people))
    categories = scorecard.settings.categories
    if categories is not None and new.category not in categories:
        hint = did_you_mean(new.category, categories, "expected one of: " + ", ".join(categories))
        error(f"category: unknown category {quote(new.category)}", hint)
    elif not KPI_ID_PATTERN.match(new.category):
        error(
            f"category: {quote(new.category)} cannot be a folder name",
            "lowercase letters, digits and _",
        )


def missing_schemas(root: Path) -> dict[Path, str]:
    """The schema files that ``root/schema/`` lacks or has out of date."""
    wanted = {root / SCHEMA_DIR / name: text for name, text in schema_texts().items()}
    return {p: t for p, t in wanted.items() if not p.is_file() or p.read_text() != t}


# -- kpi init ---------------------------------------------------------------------------------


def template_files() -> dict[str, str]:
    """Relative path -> text of the repository template (package data). ``dot-x`` names
    become ``.x``; ``.tmpl`` files get ``$title`` and ``$version`` filled in later."""
    base = resources.files("kpi_scorecard").joinpath("templates", "init")
    files: dict[str, str] = {}

    def walk(folder: resources.abc.Traversable, prefix: str) -> None:
        for entry in folder.iterdir():
            name = entry.name
            if entry.is_dir():
                walk(entry, f"{prefix}{name}/")
            elif entry.name != "__init__.py":
                files[f"{prefix}{name}".replace("dot-", ".", 1)] = entry.read_text("utf-8")

    walk(base, "")
    return dict(sorted(files.items()))


def site_name(title: str) -> str:
    """mkdocs.yml's ``site_name``: the theme prints it unescaped into the page (the tab
    title, the header, an ``aria-label="..."``), so markup characters and double quotes
    become look-alikes, as for page titles."""
    return title_text(title).replace('"', "\uff02")


def init_repository(target: Path, title: str) -> list[Path]:
    """A new scorecard repository in ``target`` (missing or empty) that builds as it is."""
    if target.exists() and any(target.iterdir()):
        raise ScorecardError(
            f"{one_line(str(target))} is not empty: kpi init only writes into a new folder"
        )
    values = {
        "title": inline(title),  # README.md: Markdown
        "title_yaml": _quoted(title),  # scorecard.yaml: the build escapes it on each page
        "site_name_yaml": _quoted(site_name(title)),  # mkdocs.yml: the theme prints it raw
        "version": version("kpi-scorecard"),
    }
    files = {}
    for relative, text in template_files().items():
        if relative.endswith(".tmpl"):
            relative, text = (
                relative.removesuffix(".tmpl"),
                string.Template(text).substitute(values),
            )
        files[target / relative] = text
    files.update({target / SCHEMA_DIR / name: text for name, text in schema_texts().items()})
    write_all(files)
    return sorted(files)


# -- kpi codeowners ---------------------------------------------------------------------------


def codeowners_text(scorecard: Scorecard) -> tuple[str, list[str]]:
    """CODEOWNERS: each KPI file needs a review by its owner or its DACI approver. Returns the
    text and a line for each person without a ``github`` handle."""
    lines = [
        "# Written by `kpi codeowners` from kpis/people.yaml: each KPI file needs a review by its",
        "# owner or its approver. Run the command again after changing owners.",
    ]
    missing: dict[str, list[str]] = {}
    for kpi in sorted(scorecard.kpis.values(), key=lambda k: k.path):
        reviewers = [kpi.owner] + ([kpi.daci.approver] if kpi.daci.approver else [])
        handles = []
        for person_id in dict.fromkeys(reviewers):
            person = scorecard.people.get(person_id)
            if person is not None and person.github:
                handles.append("@" + person.github.lstrip("@"))
            else:
                missing.setdefault(person_id, []).append(kpi.path)
        if handles:
            lines.append(f"/{kpi.path} {' '.join(handles)}")
        else:
            lines.append(f"# /{kpi.path}: nobody with a github handle")
    notes = [
        f"{person_id} has no github handle in kpis/people.yaml ({len(paths)} KPI file"
        f"{'' if len(paths) == 1 else 's'}: {', '.join(paths)})"
        for person_id, paths in sorted(missing.items())
    ]
    return "\n".join(lines) + "\n", notes


def write_codeowners(root: Path) -> tuple[Path, list[str]]:
    scorecard, _ = load_scorecard(root)
    text, missing = codeowners_text(scorecard)
    path = root / ".github" / "CODEOWNERS"
    write_all({path: text}, root)
    return path, missing
