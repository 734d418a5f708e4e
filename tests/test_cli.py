"""The kpi command: help for every command, exit codes, output streams."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kpi_scorecard.cli import main

from .conftest import make_repo

COMMANDS = ("validate", "build", "serve")


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_validate_summarises_on_stderr(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    result = CliRunner().invoke(main, ["validate", str(repo)])
    assert result.exit_code == 0
    assert result.stderr == "0 errors, 2 warnings\n3 KPIs valid\n"


def test_validate_runs_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    assert CliRunner().invoke(main, ["validate"]).exit_code == 0


def test_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
