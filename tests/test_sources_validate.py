"""databases: and source: in kpi validate: a password is never written in git, nor echoed."""

from __future__ import annotations

import json
import string
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_scorecard.cli import main

from .conftest import make_repo

PASSWORD_CHARACTERS = string.ascii_letters + string.digits + "-_.~!*'();&=+,%"


def validate_with_url(repo: Path, url: str) -> tuple[int, str]:
    quoted = json.dumps(url)  # a JSON string is a YAML double-quoted scalar
    (repo / "kpis/scorecard.yaml").write_text(f"databases:\n  dw: {{url: {quoted}}}\n")
    result = CliRunner().invoke(main, ["validate", str(repo)])
    return result.exit_code, result.stdout


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(PASSWORD_CHARACTERS, min_size=1, max_size=30),
    st.sampled_from(["postgresql+psycopg", "mysql+pymysql", "mssql+pyodbc"]),
)
def test_a_written_password_is_refused_and_never_echoed(
    tmp_path: Path, password: str, scheme: str
) -> None:
    repo = tmp_path / "repo"
    if not repo.exists():
        make_repo(repo)
    code, out = validate_with_url(repo, f"{scheme}://kpi:{password}@db.example.com/dw")
    assert code == 1
    assert out == (
        "kpis/scorecard.yaml:2: error: databases dw url: holds a password, which would be in "
        "git (write the URL or the password as ${VAR}, read from the environment)\n"
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True))
def test_a_password_from_the_environment_is_fine(tmp_path: Path, variable: str) -> None:
    repo = tmp_path / "repo"
    if not repo.exists():
        make_repo(repo)
    for url in (f"${{{variable}}}", f"postgresql+psycopg://kpi:${{{variable}}}@db/dw"):
        code, out = validate_with_url(repo, url)
        assert code == 0, out
