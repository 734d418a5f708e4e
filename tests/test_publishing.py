"""Publishing: kpi new, kpi init, kpi codeowners, schemas, workflows, pre-commit, make publish."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from check_jsonschema.builtin_schemas import get_builtin_schema
from click.testing import CliRunner
from ruamel.yaml import YAML

from kpi_scorecard.cli import main
from kpi_scorecard.edit.scaffold import template_files
from kpi_scorecard.model import AGGREGATE_CHOICES, BETTER_CHOICES, UNIT_CHOICES
from kpi_scorecard.read.load import kpi_files
from kpi_scorecard.read.schema import kpi_schema, people_schema, schema_texts, scorecard_schema
from kpi_scorecard.read.settings import PERSON_KEYS, SETTINGS_KEYS
from kpi_scorecard.read.validate import KPI_KEYS, REQUIRED_KPI_KEYS

from .conftest import FIXTURES, PROJECT, GitRepo, make_repo


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- kpi new -----------------------------------------------------------------------------------


def test_kpi_new_writes_a_file_that_validates(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    code, output = run(
        "new", "leads", "--name", "Leads: inbound", "--owner", "bob",
        "--category", "sales", "--better", "higher", "--repo", str(repo),
    )  # fmt: skip
    assert code == 0, output
    text = (repo / "kpis/sales/leads.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schema/kpi.schema.json\n")
    assert '\nname: "Leads: inbound"\n' in text
    assert all(f"#   {key:<12} " in text for key in KPI_KEYS)
    assert run("validate", str(repo))[0] == 0
    assert (repo / "schema/kpi.schema.json").is_file()
    assert run("set", "leads", "2026-04", "12", "--repo", str(repo))[0] == 0


def test_kpi_new_refuses_bad_arguments_and_writes_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    before = snapshot(repo)
    code, output = run(
        "new", "orders", "--name", "x", "--owner", "bobb", "--category", "sale",
        "--better", "higher", "--repo", str(repo),
    )  # fmt: skip
    assert code == 1
    assert output.splitlines()[:3] == [
        "error: category: unknown category 'sale' (did you mean 'sales'?)",
        "error: owner: unknown person 'bobb' (did you mean 'bob'?)",
        "error: the KPI 'orders' exists already (kpis/sales/orders.yaml)",
    ]
    assert snapshot(repo) == before


# -- schemas -----------------------------------------------------------------------------------


def test_the_schemas_follow_the_validator() -> None:
    kpi = kpi_schema()
    assert list(kpi["properties"]) == list(KPI_KEYS)
    assert kpi["required"] == list(REQUIRED_KPI_KEYS)
    assert kpi["properties"]["better"]["enum"] == list(BETTER_CHOICES)
    assert kpi["properties"]["unit"]["enum"] == list(UNIT_CHOICES)
    assert kpi["properties"]["aggregate"]["enum"] == list(AGGREGATE_CHOICES)
    assert list(scorecard_schema()["properties"]) == list(SETTINGS_KEYS)
    assert list(people_schema()["additionalProperties"]["properties"]) == list(PERSON_KEYS)


def test_the_committed_schemas_are_up_to_date() -> None:
    for name, text in schema_texts().items():
        assert (PROJECT / "schema" / name).read_text() == text, f"run kpi new to refresh {name}"


def _validator(schema: dict[str, object]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("root", [PROJECT, FIXTURES / "valid"], ids=["example", "fixture"])
def test_valid_files_pass_their_schemas(root: Path) -> None:
    kpi = _validator(kpi_schema())
    for path in kpi_files(root):
        assert not list(kpi.iter_errors(yaml.safe_load(_months_as_text(path)))), path
    assert not list(
        _validator(people_schema()).iter_errors(
            yaml.safe_load((root / "kpis/people.yaml").read_text())
        )
    )
    assert not list(
        _validator(scorecard_schema()).iter_errors(
            yaml.safe_load((root / "kpis/scorecard.yaml").read_text())
        )
    )


def _months_as_text(path: Path) -> str:
    """The YAML language server reads 2026-01 as text; PyYAML agrees (no day, no date)."""
    return path.read_text()


@pytest.mark.parametrize(
    "case",
    ["bad_enum", "missing_required", "unknown_key_no_suggestion", "bad_month_13", "value_quoted",
     "value_text", "formula_with_values", "decimals_out_of_range", "tolerance_negative",
     "currency_without_unit", "audience_bad"],
)  # fmt: skip
def test_bad_files_fail_their_schema(case: str) -> None:
    kpi = _validator(kpi_schema())
    files = [p for p in (FIXTURES / "bad" / case / "kpis").rglob("*.yaml")]
    assert files
    assert any(list(kpi.iter_errors(yaml.safe_load(p.read_text()))) for p in files), case


def test_the_site_publishes_the_schemas(valid_repo: Path) -> None:
    assert run("build", str(valid_repo))[0] == 0
    for name, text in schema_texts().items():
        assert (valid_repo / "site" / "schema" / name).read_text() == text


# -- kpi init ----------------------------------------------------------------------------------


def test_kpi_init_makes_a_repository_that_builds(tmp_path: Path) -> None:
    target = tmp_path / "acme"
    code, output = run("init", str(target), "--title", "Acme: *numbers*")
    assert code == 0, output
    for path in ("kpis/people.yaml", "mkdocs.yml", "hooks/scorecard.py", ".pre-commit-config.yaml",
                 ".github/workflows/pull-request.yml", ".github/workflows/publish.yml",
                 ".github/workflows/pull-values.yml",
                 "schema/kpi.schema.json", "site_src/how-to-edit.md"):  # fmt: skip
        assert (target / path).is_file(), path
    assert run("validate", str(target))[0] == 0
    code, output = run("build", str(target))
    assert code == 0, output
    assert "Acme: *numbers*" in (target / "site" / "index.html").read_text()


def test_kpi_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    code, output = run("init", str(tmp_path / "taken"))
    assert code == 1
    assert "is not empty" in output
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]


def test_the_template_matches_the_project_files() -> None:
    templates = template_files()
    assert templates["hooks/scorecard.py"] == (PROJECT / "hooks/scorecard.py").read_text()
    assert templates["hooks/gen_pages.py"] == (PROJECT / "hooks/gen_pages.py").read_text()
    assert templates["site_src/how-to-edit.md"] == (PROJECT / "site_src/how-to-edit.md").read_text()
    mkdocs = templates["mkdocs.yml.tmpl"].replace("$site_name_yaml", "Acme marketing scorecard")
    assert mkdocs == (PROJECT / "mkdocs.yml").read_text()


# -- workflows ---------------------------------------------------------------------------------

WORKFLOWS = sorted((PROJECT / ".github" / "workflows").glob("*.yml"))


def load_workflow(path: Path) -> dict[str, Any]:
    """YAML 1.2, as GitHub reads it: ``on`` is a key, not true."""
    return dict(YAML(typ="safe", pure=True).load(path.read_text()))


def init_workflows(tmp_path: Path) -> list[Path]:
    run("init", str(tmp_path / "init"))
    return sorted((tmp_path / "init" / ".github" / "workflows").glob("*.yml"))


def test_workflows_are_valid_github_workflows(tmp_path: Path) -> None:
    validator = jsonschema.Draft7Validator(get_builtin_schema("vendor.github-workflows"))
    for path in [*WORKFLOWS, *init_workflows(tmp_path)]:
        errors = [e.message for e in validator.iter_errors(load_workflow(path))]
        assert errors == [], path


def test_pull_requests_run_without_secrets_or_write_access(tmp_path: Path) -> None:
    for path in [*WORKFLOWS, *init_workflows(tmp_path)]:
        text = path.read_text()
        workflow = load_workflow(path)
        triggers = workflow["on"]
        assert "pull_request_target" not in triggers
        if "pull_request" in triggers:
            assert workflow["permissions"] == {"contents": "read"}
            steps = workflow["jobs"]["check"]["steps"]
            assert any("validate --format github" in step.get("run", "") for step in steps)
            assert any("mkdocs build --strict" in step.get("run", "") for step in steps)
            assert any("GITHUB_STEP_SUMMARY" in step.get("run", "") for step in steps)
            assert not re.search(r"run:.*\$\{\{", text)  # no expression inside a shell line


def test_publishing_uses_the_full_history_and_the_official_pages_actions(tmp_path: Path) -> None:
    for path in [*WORKFLOWS, *init_workflows(tmp_path)]:
        workflow = load_workflow(path)
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout"):
                    assert step["with"]["fetch-depth"] == 0, path
        if "push" in workflow["on"]:
            uses = [s.get("uses", "") for job in workflow["jobs"].values() for s in job["steps"]]
            assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
            assert any(u.startswith("actions/deploy-pages@") for u in uses)
            assert workflow["permissions"] == {"contents": "read"}
            assert workflow["jobs"]["deploy"]["permissions"] == {
                "pages": "write",
                "id-token": "write",
            }


def test_scheduled_pulls_open_a_pull_request_with_the_least_permissions(tmp_path: Path) -> None:
    pulls = [p for p in [*WORKFLOWS, *init_workflows(tmp_path)] if "kpi pull" in p.read_text()]
    assert [p.name for p in pulls] == ["pull-values.yml", "pull-values.yml"]
    for path in pulls:
        workflow = load_workflow(path)
        assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
        assert workflow["permissions"] == {"contents": "read"}
        job = workflow["jobs"]["pull"]
        assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
        assert job["timeout-minutes"] <= 30
        steps = job["steps"]
        runs = [step.get("run", "") for step in steps]
        pull = next(i for i, run in enumerate(runs) if "kpi pull" in run)
        opened = next(i for i, run in enumerate(runs) if "gh pr create" in run)
        assert pull < opened
        assert steps[opened]["env"]["GH_TOKEN"] == "${{ github.token }}"
        assert "--body-file" in runs[opened]  # the pull's summary describes the pull request
        assert not any("${{" in run for run in runs)  # no expression inside a shell line


def test_the_pre_commit_hook_runs_kpi_validate() -> None:
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    assert hooks == [
        {
            "id": "kpi-validate",
            "name": "kpi validate",
            "description": "Check the KPI files of a kpi-scorecard repository.",
            "entry": "kpi validate",
            "language": "python",
            "pass_filenames": False,
            "files": "^kpis/",
        }
    ]


def test_validate_speaks_github_annotations(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FIXTURES / "bad" / "unknown_person")
    code, output = run("validate", str(repo), "--format", "github")
    assert code == 1
    assert output.splitlines()[0] == (
        "::error file=kpis/sales/orders.yaml,line=4::owner: unknown person 'anna' (did you mean 'ann'?)"
    )


# -- kpi codeowners ----------------------------------------------------------------------------


def test_codeowners_needs_the_owner_or_approver_and_lists_missing_handles(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    code, output = run("codeowners", str(repo))
    assert code == 0
    assert (repo / ".github/CODEOWNERS").read_text().splitlines()[2:] == [
        "# /kpis/cost_per_order.yaml: nobody with a github handle",
        "/kpis/sales/orders.yaml @ann-a",
        "/kpis/sales/spend.yaml @ann-a",
    ]
    assert (
        "warning: bob has no github handle in kpis/people.yaml (1 KPI file: kpis/sales/spend.yaml)"
        in output
    )
    assert "warning: cy has no github handle" in output


# -- make publish ------------------------------------------------------------------------------


def test_make_publish_pushes_the_site_to_gh_pages(kpi_repo: GitRepo, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    result = subprocess.run(
        ["make", "-C", str(PROJECT), "publish", f"REMOTE={remote}", f"SCORECARD={kpi_repo.path}"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    listing = subprocess.run(
        ["git", "--git-dir", str(remote), "ls-tree", "-r", "--name-only", "gh-pages"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert "index.html" in listing and "data/scorecard.json" in listing
    assert "kpis/orders/index.html" in listing
    document = json.loads(
        subprocess.run(
            ["git", "--git-dir", str(remote), "show", "gh-pages:data/scorecard.json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert document["as_of"] == "2026-04"


def test_the_readout_job_is_optional_and_keeps_the_smtp_secret_out_of_shell_lines(
    tmp_path: Path,
) -> None:
    (path,) = [p for p in init_workflows(tmp_path) if p.name == "publish.yml"]
    workflow = load_workflow(path)
    job = workflow["jobs"]["readout"]
    assert job["if"] == "github.event_name == 'schedule' && vars.KPI_READOUT_TO != ''"
    assert job["needs"] == "deploy" and "permissions" not in job
    assert job["env"]["KPI_SMTP_URL"] == "${{ secrets.KPI_SMTP_URL }}"
    runs = [step.get("run", "") for step in job["steps"]]
    assert any("kpi readout --send" in run for run in runs)
    assert not any("${{" in run for run in runs)
    assert workflow["on"]["schedule"] == [{"cron": "0 7 5 * *"}]
