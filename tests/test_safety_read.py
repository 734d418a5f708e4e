"""Hostile input and accidents while reading a scorecard (issue 12): what a file may hold is
checked before it reaches CODEOWNERS, a spreadsheet or a message, and messages quote no more
than a short excerpt of a file."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_scorecard.cli import main
from kpi_scorecard.errors import EXCERPT_LENGTH, excerpt
from kpi_scorecard.read.load import DECIMAL
from kpi_scorecard.render.exports import FORMULA_START, csv_text, safe_cell

from .conftest import FIXTURES, add_site_config, make_repo

ORDERS = "kpis/sales/orders.yaml"


def run(*args: str) -> tuple[int, str]:
    """Exit code and stdout (the problems); nothing a command prints may quote a secret."""
    result = CliRunner().invoke(main, list(args))
    assert SECRET not in result.output
    return result.exit_code, result.stdout


def test_a_handle_that_is_not_a_github_user_name_writes_no_codeowners(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FIXTURES / "bad" / "github_handle_bad")
    code, output = run("codeowners", str(repo))
    assert code == 1
    assert "kpis/people.yaml:1: error: ann github: 'ann…' is not a GitHub handle" in output
    assert "@attacker" not in output
    assert not (repo / ".github").exists()


def test_a_valid_handle_may_start_with_at(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    people = repo / "kpis" / "people.yaml"
    people.write_text(people.read_text().replace("github: ann-a", 'github: "@ann-a"'))
    code, output = run("codeowners", str(repo))
    assert code == 0, output
    assert "/kpis/sales/orders.yaml @ann-a\n" in (repo / ".github" / "CODEOWNERS").read_text()


@given(st.text())
def test_no_csv_cell_starts_a_formula_and_numbers_stay_numbers(text: str) -> None:
    cell = safe_cell(text)
    assert cell == text or cell == "'" + text
    if cell.startswith(FORMULA_START):
        assert DECIMAL.match(cell)
    if DECIMAL.match(text):
        assert cell == text


def test_csv_exports_neutralise_every_cell() -> None:
    text = csv_text(("a", "b"), [('=HYPERLINK("http://x")', "-1.5"), ("@SUM(A1)", "+x")])
    assert list(csv.reader(io.StringIO(text))) == [
        ["a", "b"],
        ['\'=HYPERLINK("http://x")', "-1.5"],
        ["'@SUM(A1)", "'+x"],
    ]


FIELDS = ("name", "better", "owner", "category", "unit", "supports", "decimals", "target")
LONG = st.text(min_size=EXCERPT_LENGTH * 2).filter(lambda t: t.strip())


@settings(max_examples=40, deadline=None)
@given(field=st.sampled_from(FIELDS), text=LONG, key=LONG)
def test_messages_quote_a_short_single_line_excerpt(
    tmp_path_factory, field: str, text: str, key: str
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo(tmp_path_factory.mktemp("repo") / "repo")
    orders = repo / ORDERS
    lines = orders.read_text().splitlines()
    kept = [line for line in lines if not line.startswith(f"{field}:")]
    kept.insert(1, f"{field}: {json.dumps(text)}")
    kept.insert(1, f"{json.dumps(key)}: 1")
    orders.write_text("\n".join(kept) + "\n")
    code, output = run("validate", str(repo))
    assert code == 1
    for line in output.splitlines():
        assert line.isprintable()
        assert text[:EXCERPT_LENGTH] not in line and key[:EXCERPT_LENGTH] not in line


def test_a_retrospective_without_front_matter_content_is_an_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    add_site_config(repo)
    folder = repo / "site_src" / "retrospectives"
    folder.mkdir()
    (folder / "empty.md").write_text("---\n---\n\nWe forgot the front matter.\n")
    (folder / "comments.md").write_text("---\n# title: to do\n\n---\nText.\n")
    code, output = run("validate", str(repo))
    assert code == 1
    assert output.splitlines()[:2] == [
        "site_src/retrospectives/comments.md:1: error: front matter: is empty "
        "(title, start, end, kpis)",
        "site_src/retrospectives/empty.md:1: error: front matter: is empty "
        "(title, start, end, kpis)",
    ]


SECRET = "ghp_0123456789abcdefSECRET"


def outside_secret(tmp_path: Path) -> Path:
    secret = tmp_path / "home" / "credentials"
    secret.parent.mkdir()
    secret.write_text(f"token: {SECRET}\nname: x\n")
    return secret


def test_a_link_out_of_the_repository_is_an_error_and_never_read(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    secret = outside_secret(tmp_path)
    (repo / "kpis" / "sales" / "leak.yaml").symlink_to(secret)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "visits.yaml").write_text((repo / ORDERS).read_text())
    (repo / "kpis" / "more").symlink_to(outside)
    code, output = run("validate", str(repo))
    assert code == 1
    assert output.splitlines() == [
        "kpis/more:1: error: a link that leads out of the repository: it is not read "
        "(a file or folder inside the repository)",
        "kpis/sales/leak.yaml:1: error: a link that leads out of the repository: it is not read "
        "(a file or folder inside the repository)",
    ]


def test_a_link_out_of_the_pages_folder_stops_the_build(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    add_site_config(repo)
    (repo / "site_src" / "notes.md").symlink_to(outside_secret(tmp_path))
    code, output = run("build", str(repo))
    assert code == 1
    assert "site_src/notes.md:1: error: a link that leads out of the repository" in output
    assert not (repo / "site").exists()


def test_links_inside_the_repository_are_followed_once(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    shared = repo / "shared"
    shared.mkdir()
    (repo / ORDERS).rename(shared / "orders.yaml")
    (repo / ORDERS).symlink_to(Path("../../shared/orders.yaml"))
    (repo / "kpis" / "sales" / "loop").symlink_to(Path(".."))
    code, output = run("validate", str(repo))
    assert code == 0, output


def test_files_and_folders_that_cannot_be_read_are_one_line_each(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo(tmp_path / "repo")
    (repo / "kpis" / "locked").mkdir()
    real_read, real_scandir = Path.read_bytes, os.scandir

    def read_bytes(path: Path) -> bytes:
        if path.name == "orders.yaml":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path)

    def scandir(path):  # type: ignore[no-untyped-def]
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(os, "scandir", scandir)
    code, output = run("validate", str(repo))
    assert code == 1
    assert output.splitlines() == [
        "kpis/locked:1: error: the folder cannot be read: permission denied",
        "kpis/sales/orders.yaml:1: error: the file cannot be read: permission denied",
    ]


def test_a_name_with_a_line_break_is_an_error_and_adds_no_codeowners_rule(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    folder = repo / "kpis" / "x\n* @attacker"
    folder.mkdir()
    (repo / ORDERS).rename(folder / "orders.yaml")
    code, output = run("codeowners", str(repo))
    assert code == 1
    assert (
        "kpis/x?* @attacker:1: error: the name has a control character (rename it)"
    ) in output.splitlines()
    assert not (repo / ".github").exists()


def test_a_control_character_in_a_retrospective_is_reported_at_its_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    add_site_config(repo)
    folder = repo / "site_src" / "retrospectives"
    folder.mkdir()
    (folder / "spring.md").write_text(
        "---\ntitle: Spring\nstart: 2026-01\nend: 2026-03 \x1e\x00\nkpis:\n  primary: {orders: 1}\n"
        "---\n"
    )
    code, output = run("validate", str(repo))
    assert code == 1
    assert output.splitlines() == [
        "site_src/retrospectives/spring.md:4: error: YAML does not allow the control character "
        "U+001E (remove it, or write it in double quotes as \\x1e)"
    ]


def test_a_pipe_named_like_a_retrospective_is_an_error_not_a_hang(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    add_site_config(repo)
    folder = repo / "site_src" / "retrospectives"
    folder.mkdir()
    os.mkfifo(folder / "spring.md")
    kpi = Path(sys.executable).parent / "kpi"
    # In a subprocess with a time limit: reading the pipe would block for ever.
    result = subprocess.run(
        [str(kpi), "validate", str(repo)], capture_output=True, text=True, timeout=30
    )
    assert (result.returncode, result.stdout) == (
        1,
        "site_src/retrospectives/spring.md:1: error: is not a regular file (a text file)\n",
    )


@given(st.text())
def test_an_excerpt_is_one_short_printable_line_from_the_start_of_the_text(text: str) -> None:
    shown = excerpt(text)
    assert shown.isprintable() and len(shown) <= EXCERPT_LENGTH
    kept = shown.removesuffix("…")
    first_line = (text.splitlines() or [""])[0]
    assert len(kept) <= len(first_line)
    assert all(a == b or a == "?" for a, b in zip(kept, first_line, strict=False))
