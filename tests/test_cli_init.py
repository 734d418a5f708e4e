"""kpi init, new and codeowners when the disk or the folder says no: one line, nothing left."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kpi_scorecard.cli import main

from .conftest import make_repo

NO_SPACE = os.strerror(errno.ENOSPC).lower()


def fail_on_write(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    """The ``number``-th file replaced fails as on a full disk."""
    real_replace = os.replace
    calls: list[object] = []

    def replace(source: str | Path, target: str | Path) -> None:
        calls.append(target)
        if len(calls) == number:
            raise OSError(errno.ENOSPC, NO_SPACE)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("exists", [False, True], ids=["new-folder", "empty-folder"])
def test_a_failed_init_leaves_no_half_made_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exists: bool
) -> None:
    target = tmp_path / "acme"
    if exists:
        target.mkdir()
    fail_on_write(monkeypatch, 5)
    code, output = run("init", str(target))
    assert code == 1
    assert output.startswith(f"error: {target}/") and output.endswith(f": {NO_SPACE}\n")
    assert output.count("\n") == 1
    assert (list(target.iterdir()) == []) if exists else not target.exists()


@pytest.mark.parametrize("refused", ["acme", "workflows"])
def test_init_where_a_folder_cannot_be_made_is_one_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refused: str
) -> None:
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        if self.name == refused:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    code, output = run("init", str(tmp_path / "acme"))
    assert code == 1 and output.count("\n") == 1
    assert output.endswith(": cannot write: permission denied\n")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_kpi_new_leaves_no_file_or_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    before = sorted(repo.rglob("*"))
    fail_on_write(monkeypatch, 2)
    code, output = run(
        "new", "leads", "--name", "Leads", "--owner", "ann", "--category", "sales",
        "--better", "higher", "--repo", str(repo),
    )  # fmt: skip
    assert code == 1
    assert output.startswith("error: ") and output.endswith(f"cannot write: {NO_SPACE}\n")
    assert sorted(repo.rglob("*")) == before


def test_a_failed_codeowners_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo")
    fail_on_write(monkeypatch, 1)
    code, output = run("codeowners", str(repo))
    assert (code, output) == (1, f"error: .github/CODEOWNERS: cannot write: {NO_SPACE}\n")
    assert not (repo / ".github").exists()


HOSTILE_TITLE = 'Acme <script>alert(1)</script> & "Co" *bold* [x](javascript:y)'


def test_the_title_is_text_in_the_readme_the_config_and_every_page(tmp_path: Path) -> None:
    target = tmp_path / "acme"
    assert run("init", str(target), "--title", HOSTILE_TITLE)[0] == 0
    readme = (target / "README.md").read_text().splitlines()[0]
    assert readme == (
        "# Acme &lt;script&gt;alert\\(1\\)&lt;/script&gt; &amp; &quot;Co&quot; \\*bold\\* "
        "\\[x\\]\\(javascript:y\\)"
    )
    look_alike = "Acme \u2039script\u203aalert(1)\u2039/script\u203a \uff06 \uff02Co\uff02 *bold*"
    assert (target / "mkdocs.yml").read_text().splitlines()[0] == (
        f'site_name: "{look_alike} [x](javascript:y)"'
    )
    code, output = run("build", str(target))
    assert code == 0, output
    for page in (target / "site").rglob("*.html"):
        html = page.read_text()
        assert "<script>alert" not in html, page
    overview = (target / "site" / "index.html").read_text()
    assert f'aria-label="{look_alike}' in overview
    assert "Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;" in overview
