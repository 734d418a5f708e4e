"""kpi set: one value recorded, only the touched lines change, refusals change nothing."""

from __future__ import annotations

import difflib
import errno
import os
import re
import stat
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_scorecard.cli import main
from kpi_scorecard.edit import files
from kpi_scorecard.edit.lines import Edit, apply_edits
from kpi_scorecard.model import month_str, number_literal, parse_month
from kpi_scorecard.read.load import NULL_WORDS
from kpi_scorecard.read.validate import load_scorecard

from .conftest import PROJECT, make_repo

ORDERS = "kpis/sales/orders.yaml"


def kpi_set(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["set", *args, "--repo", str(repo)])
    return result.exit_code, result.output


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


EXAMPLE_KPIS_WITH_VALUES = sorted(
    p for p in (PROJECT / "kpis").rglob("*.yaml") if "\nvalues:" in p.read_text(encoding="utf-8")
)


@pytest.mark.parametrize("path", EXAMPLE_KPIS_WITH_VALUES, ids=lambda p: p.stem)
def test_only_the_touched_lines_change_in_the_example_files(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    after = apply_edits(text, [Edit("2026-10", 1.5), Edit("2026-11", 2.0, note="New: month")])
    diff = changed_lines(text, after)
    assert [line for line in diff if line.startswith("-")] == [
        line for line in diff if line.startswith("-") and "2026-10:" in line and "notes" not in line
    ]
    assert "+  2026-10: 1.5" in diff
    assert "+  2026-11: 2" in diff
    assert '+  2026-11: "New: month"' in diff
    assert len(diff) == 4 if any(d.startswith("-  2026-10:") for d in diff) else len(diff) == 3


def test_comments_nulls_and_quoting_elsewhere_are_kept_byte_for_byte() -> None:
    text = (
        "# Orders, counted at checkout\n"
        "name: 'Orders'   # the title\n"
        "values:\n"
        "  '2026-01': 90    # January\n"
        "  2026-02: ~\n"
        "\n"
        "  2026-03:\n"
        "  # April is still open\n"
        "notes:\n"
        "  2026-01: >-\n"
        "    A long note\n"
        "    over two lines.\n"
        "  2026-03: Kept.\n"
    )
    after = apply_edits(text, [Edit("2026-01", 91.0, note="Short now."), Edit("2026-04", 5.0)])
    assert after == (
        "# Orders, counted at checkout\n"
        "name: 'Orders'   # the title\n"
        "values:\n"
        "  '2026-01': 91    # January\n"
        "  2026-02: ~\n"
        "\n"
        "  2026-03:\n"
        "  2026-04: 5\n"
        "  # April is still open\n"
        "notes:\n"
        '  2026-01: "Short now."\n'
        "  2026-03: Kept.\n"
    )


def test_a_flow_style_section_and_a_missing_section() -> None:
    text = "name: A\nvalues: {2026-01: 1, 2026-03: 3}\n"
    assert apply_edits(text, [Edit("2026-02", 2.0)]) == (
        "name: A\nvalues: {2026-01: 1, 2026-02: 2, 2026-03: 3}\n"
    )
    assert apply_edits("name: A", [Edit("2026-02", None)]) == "name: A\nvalues:\n  2026-02: null\n"


def test_set_writes_the_value_and_note(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    before = (repo / ORDERS).read_text()
    code, output = kpi_set(repo, "orders", "2026-04", "121", "--note", "Easter <b>week</b>")
    assert code == 0, output
    diff = changed_lines(before, (repo / ORDERS).read_text())
    assert diff == ["-  2026-04: null", "+  2026-04: 121", '+  2026-04: "Easter <b>week</b>"']


def test_crlf_and_byte_order_mark_survive(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    path = repo / ORDERS
    original = b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(original)
    assert kpi_set(repo, "orders", "2026-05", "107")[0] == 0
    assert path.read_bytes() == original.replace(
        b"  2026-04: null\r\n", b"  2026-04: null\r\n  2026-05: 107\r\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ordrs", "2026-04", "1"), "error: unknown KPI 'ordrs' (did you mean 'orders'?)"),
        (("orders", "2026-4", "1"), "error: bad month '2026-4' (expected YYYY-MM, e.g. 2026-03)"),
        (
            ("orders", "2026-04", "1,5"),
            "error: value: '1,5' is not a number (write decimals with a dot: 1.5)",
        ),
        (
            ("cost_per_order", "2026-04", "1"),
            "error: cost_per_order is calculated by its formula (spend / orders), so it has no "
            "values to set (set the KPIs of the formula instead)",
        ),
    ],
)
def test_refusals_name_the_problem_and_change_no_file(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    repo = make_repo(tmp_path / "repo")
    before = {p: p.read_bytes() for p in (repo / "kpis").rglob("*") if p.is_file()}
    code, output = kpi_set(repo, *args)
    assert code == 1
    assert output.splitlines()[0] == message
    assert {p: p.read_bytes() for p in (repo / "kpis").rglob("*") if p.is_file()} == before


# -- hostile files: what validates can be edited, at the right line ---------------------------


def with_orders(repo: Path, values: str, notes: str = "") -> Path:
    """orders.yaml with its values (and notes) section replaced."""
    path = repo / ORDERS
    text = path.read_text()
    path.write_bytes((text[: text.index("values:")] + values + notes).encode())
    return path


def raw(path: Path) -> str:
    """The file's text with its line endings as they are."""
    return path.read_bytes().decode()


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_line_separator_in_a_note_does_not_move_the_edit(tmp_path: Path, separator: str) -> None:
    repo = make_repo(tmp_path / "repo")
    path = with_orders(
        repo,
        f'notes:\n  2026-01: "one{separator}two"\n  2026-02: Spring.\n',
        "values:\n  2026-01: 90\n  2026-02: 104\n  2026-03: 118\n",
    )
    before = raw(path)
    code, output = kpi_set(repo, "orders", "2026-03", "1")
    assert code == 0, output
    assert raw(path) == before.replace("2026-03: 118", "2026-03: 1")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  2026-02: 104\n", "  2026-02: 104\t# c\n"),
        ("description: Orders placed.", "description: " + "1" * 5000),
        ("  2026-01: 90\n", "  2026-01: 1." + "0" * 4998 + "\n"),
        ("  2026-01: 90\n", "  2026-01: 90\r\n"),
        ("values:\n", "values:\n\ufeff\n"),
        ("name: Orders", "\ufeffname: Orders"),
        ("description: Orders placed.", "description: Orders\n  \ufeffplaced."),
        ("  2026-02: Spring promotion.", "  2026-01: |\n  \n    Spring.\n  2026-02: >-\n\n    x"),
    ],
    ids=[
        "tab-before-comment",
        "5000-digit-text",
        "5000-digit-number",
        "one-crlf-line",
        "bom-on-a-blank-line",
        "second-bom-at-the-start",
        "bom-in-a-plain-scalar",
        "block-notes-with-a-blank-first-line",
    ],
)
def test_files_that_validate_are_edited(tmp_path: Path, old: str, new: str) -> None:
    repo = make_repo(tmp_path / "repo")
    path = repo / ORDERS
    path.write_bytes(raw(path).replace(old, new).encode())
    before = raw(path)
    code, output = kpi_set(repo, "orders", "2026-02", "107", "--note", "n")
    assert code == 0, output
    expected = before.replace("  2026-02: 104", "  2026-02: 107")
    expected = re.sub(r"  2026-02: (Spring promotion\.|>-\n\n    x)", '  2026-02: "n"', expected)
    assert raw(path) == expected


@pytest.mark.parametrize("note", ["a\u2028b", "a\x85b\u2029c", "\ufeff\x7f\x9f", "x\r\ny\tz"])
def test_notes_with_line_separators_are_written_escaped_on_one_line(
    tmp_path: Path, note: str
) -> None:
    repo = make_repo(tmp_path / "repo")
    path = repo / ORDERS
    assert kpi_set(repo, "orders", "2026-01", "91", "--note", note)[0] == 0
    written = raw(path)
    line = next(line for line in written.split("\n") if line.startswith('  2026-01: "'))
    assert line.isprintable()
    assert load_scorecard(repo)[0].kpis["orders"].notes[2026 * 12] == note


# -- links, modes, owners and operating system errors -----------------------------------------


def kpi_files(repo: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(repo.rglob("*")) if p.is_file()}


def test_a_link_is_written_through_and_the_mode_is_kept(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    link = repo / ORDERS
    data = repo / "data" / "orders.yaml"
    data.parent.mkdir()
    link.rename(data)
    link.symlink_to(Path("../../data/orders.yaml"))
    data.chmod(0o640)
    assert kpi_set(repo, "orders", "2026-04", "105")[0] == 0
    assert link.is_symlink() and "  2026-04: 105\n" in data.read_text()
    assert stat.S_IMODE(data.stat().st_mode) == 0o640


def test_a_link_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    outside = tmp_path / "elsewhere.yaml"
    (repo / ORDERS).rename(outside)
    (repo / ORDERS).symlink_to(outside)
    before = outside.read_bytes()
    code, output = kpi_set(repo, "orders", "2026-04", "105")
    assert code == 1
    assert output.splitlines()[0].startswith(f"{ORDERS}:1: error: a link that leads out of")
    assert outside.read_bytes() == before and (repo / ORDERS).is_symlink()


def test_the_writer_refuses_a_link_out_of_the_repository_itself(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("x: 1\n")
    (repo / "kpis" / "link.yaml").symlink_to(outside)
    with pytest.raises(files.FileError, match=r"^kpis/link\.yaml is a link to a file outside"):
        files.write_all({repo / "kpis" / "link.yaml": "x: 2\n"}, repo)
    assert outside.read_text() == "x: 1\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to someone else")
def test_the_owner_is_kept(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    os.chown(repo / ORDERS, 4242, 4343)
    assert kpi_set(repo, "orders", "2026-04", "105")[0] == 0
    status = (repo / ORDERS).stat()
    assert (status.st_uid, status.st_gid) == (4242, 4343)


@pytest.mark.parametrize("reason", ["hard link", "foreign owner"])
def test_a_file_that_cannot_be_replaced_is_rewritten_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reason: str
) -> None:
    repo = make_repo(tmp_path / "repo")
    path = repo / ORDERS
    if reason == "hard link":
        os.link(path, tmp_path / "second-name.yaml")
    else:  # a file of someone else's that we may write: a new file could not be given to them
        monkeypatch.setattr(files, "_can_own", lambda _: False)
    inode = path.stat().st_ino
    assert kpi_set(repo, "orders", "2026-04", "105")[0] == 0
    assert path.stat().st_ino == inode and "  2026-04: 105\n" in path.read_text()


def test_a_read_only_file_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / ORDERS).chmod(0o444)
    if os.geteuid() == 0:  # root may write anything: pretend it may not
        real_access = os.access
        monkeypatch.setattr(
            os, "access", lambda path, mode: mode != os.W_OK and real_access(path, mode)
        )
    before = kpi_files(repo)
    code, output = kpi_set(repo, "orders", "2026-04", "105")
    assert (code, output) == (
        1,
        "error: kpis/sales/orders.yaml: cannot write: the file is read-only\n",
    )
    assert kpi_files(repo) == before


def test_an_unreadable_file_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    real_read = Path.read_bytes

    def unreadable(self: Path) -> bytes:
        if self.name == "orders.yaml":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", unreadable)
    code, output = kpi_set(repo, "orders", "2026-04", "105")
    assert code == 1
    assert (
        output.splitlines()[0] == f"{ORDERS}:1: error: the file cannot be read: permission denied"
    )


@pytest.mark.parametrize("value", ["-5", "-1.5e3", "-.5", "-0"])
def test_negative_values_are_values(tmp_path: Path, value: str) -> None:
    repo = make_repo(tmp_path / "repo")
    code, output = kpi_set(repo, "orders", "2026-05", value, "--note", "-x", "--confirm")
    assert code == 0, output
    written = number_literal(float(value))
    assert f"  2026-05: {written}\n" in (repo / ORDERS).read_text()


# -- messages: user text is quoted on one line --------------------------------------------------

FORGED = "\nkpis/x.yaml:1: error: forged"


@pytest.mark.parametrize(
    "args",
    [
        ("orders" + FORGED, "2026-04", "1"),
        ("orders", "2026-04\r" + FORGED, "1"),
        ("orders", "2026-04", "1\u2028" + FORGED),
        ("orders", "2026-04", "1", "--segment", "seo\x85" + FORGED),
        ("ordrs", "2026\u202e-04", "x" * 10_000),
    ],
    ids=["id", "month", "value", "segment", "bidi-and-long"],
)
def test_each_problem_is_one_line_whatever_the_user_typed(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    repo = make_repo(tmp_path / "repo")
    before = kpi_files(repo)
    result = CliRunner().invoke(main, ["set", *args, "--repo", str(repo)])
    assert result.exit_code == 1
    problems = result.stdout.splitlines()
    assert len(problems) == int(result.stderr.split()[0])
    assert all(line.startswith("error: ") and len(line) < 300 for line in problems), problems
    assert all(line.isprintable() for line in problems)
    assert kpi_files(repo) == before


@pytest.mark.parametrize("output_format", ["text", "github"])
def test_kpi_validate_prints_one_line_per_problem_for_hostile_files(
    tmp_path: Path, output_format: str
) -> None:
    repo = make_repo(tmp_path / "repo")
    path = repo / ORDERS
    text = path.read_text().replace("owner: ann", 'owner: "ann' + FORGED.replace("\n", "\\n") + '"')
    text = text.replace(
        "better: higher", '"bet\\u2028ter\\r' + FORGED.replace("\n", "\\n") + '": higher'
    )
    path.write_text(text)
    result = CliRunner().invoke(main, ["validate", str(repo), "--format", output_format])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == int(result.stderr.split()[0]) >= 2
    start = ORDERS + ":" if output_format == "text" else f"::error file={ORDERS},line="
    assert all(line.startswith(start) and line.isprintable() for line in lines), lines


# -- the property: exit 0 reads back exactly and touches only its lines; exit 1 changes nothing --

HOSTILE = ["a\u2028b", "x\u2029y", "x\x85y", "\ufeffz", "tab\there", 'say "hi"', "#: not a comment"]
COMMENTS = ["", "  # ok", "\t# tab before", "   # \u00e9t\u00e9 \ufeff", " #"]
STORED_VALUES = ["90", "-1.5", "~", "null", "", "1e3", "1." + "0" * 60]
BAD_VALUES = ["1,5", "abc", "1e999", "0x10", "--5", "1e-400", ".", "1 2"]
NOTE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@st.composite
def orders_files(draw: st.DrawFn) -> bytes:
    """orders.yaml with random months, values, comments, hostile notes, CRLF and a BOM."""
    months = sorted(draw(st.sets(st.integers(2025 * 12, 2027 * 12), max_size=6)))
    values = ["values:"] + [
        f"  {month_str(m)}: {draw(st.sampled_from(STORED_VALUES))}{draw(st.sampled_from(COMMENTS))}"
        for m in months
    ]
    noted = draw(st.lists(st.sampled_from(months), unique=True)) if months else []
    notes = ["notes:"] + [
        # raw in double quotes: a U+2028 in the text is a line break to the parser
        f'  {month_str(m)}: "{quoted(draw(st.sampled_from(HOSTILE)))}"'
        f"{draw(st.sampled_from(COMMENTS))}"
        for m in sorted(noted)
    ]
    head = (FIXTURE_HEAD + draw(st.sampled_from(["", "# a comment line\u00a0"]))).splitlines()
    sections = [values, notes] if draw(st.booleans()) else [notes, values]
    text = draw(st.sampled_from(["\n", "\r\n"])).join([*head, *sections[0], *sections[1], ""])
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode()


def quoted(text: str) -> str:
    """Inside double quotes, with line separators left raw."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


FIXTURE_HEAD = (
    "name: Orders\ndescription: Orders placed.\ncategory: sales\nowner: ann\nbetter: higher\n"
    "aggregate: sum\ntarget: {2026-01: 100, 2026-03: 120}\n"
)


def value_texts() -> st.SearchStrategy[str]:
    finite = st.floats(allow_nan=False, allow_infinity=False)
    return st.one_of(
        finite.map(repr),
        finite.map(number_literal),
        st.integers(-(10**20), 10**20).map(str),
        st.just("null"),
        st.sampled_from(BAD_VALUES),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    file=orders_files(),
    month=st.integers(2025 * 12, 2027 * 12).map(month_str),
    value=value_texts(),
    note=st.none() | NOTE_TEXT | st.sampled_from(HOSTILE),
)
def test_set_reads_back_exactly_and_touches_only_its_lines(
    file: bytes, month: str, value: str, note: str | None
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        repo = make_repo(Path(folder) / "repo")
        path = repo / ORDERS
        path.write_bytes(file)
        before = kpi_files(repo)
        args = [f"--note={note}"] if note is not None else []
        result = CliRunner().invoke(
            main, ["set", "orders", month, value, *args, "--confirm", "--repo", str(repo)]
        )
        if value in BAD_VALUES:
            assert result.exit_code == 1, result.output
            assert isinstance(result.exception, SystemExit | None), result.exception
            assert kpi_files(repo) == before
            return
        assert result.exit_code == 0, result.output
        kpi = load_scorecard(repo)[0].kpis["orders"]
        number = None if value.strip() in NULL_WORDS else float(value)
        assert kpi.values[parse_month(month) or 0] == number
        if note is not None and note.strip():
            assert kpi.notes[parse_month(month) or 0] == note
        removed, added = line_changes(file.decode("utf-8"), path.read_bytes().decode("utf-8"))
        assert all(line.lstrip("\ufeff").startswith(f"  {month}:") for line in removed + added)
        assert len(added) <= 2


def line_changes(before: str, after: str) -> tuple[list[str], list[str]]:
    """Lines (split only at \\n, endings kept) that are gone, and those that are new."""
    old, new = before.split("\n"), after.split("\n")
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    removed, added = [], []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag != "equal":
            removed += old[a1:a2]
            added += new[b1:b2]
    return removed, added


def test_arguments_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    before = kpi_files(repo)
    code, output = kpi_set(repo, "orders", "2026-04", "5", "--note", "caf\udce9")
    assert code == 1
    assert output.splitlines()[0] == (
        "error: the text is not valid UTF-8 (write the command line or the file in UTF-8)"
    )
    assert kpi_files(repo) == before


@pytest.mark.parametrize("value", ["1e-400", "-0.0001e-999"])
def test_a_value_too_small_to_tell_from_zero_is_refused(tmp_path: Path, value: str) -> None:
    repo = make_repo(tmp_path / "repo")
    code, output = kpi_set(repo, "orders", "2026-04", value)
    assert code == 1
    assert output.splitlines()[0].startswith(f"error: value: '{value}' is too small")


def test_a_read_only_folder_is_an_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "kpis" / "sales").chmod(0o555)
    real_open = os.open

    def read_only_folder(
        path: str | Path, flags: int, mode: int = 0o777, *, dir_fd: int | None = None
    ) -> int:
        if Path(path).parent.name == "sales" and flags & os.O_CREAT:  # what root may still do
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, mode, dir_fd=dir_fd)

    monkeypatch.setattr(os, "open", read_only_folder)
    before = kpi_files(repo)
    code, output = kpi_set(repo, "orders", "2026-04", "105")
    (repo / "kpis" / "sales").chmod(0o755)
    assert (code, output) == (1, "error: kpis/sales/orders.yaml: cannot write: permission denied\n")
    assert kpi_files(repo) == before


@pytest.mark.parametrize(
    ("text", "edits", "expected"),
    [
        (
            "name: A\nvalues: ~   # none yet\n",
            [Edit("2026-02", 2.0), Edit("2026-01", 1.0)],
            "name: A\nvalues:   # none yet\n  2026-01: 1\n  2026-02: 2\n",
        ),
        (
            "name: A\nvalues: {}\n",
            [Edit("2026-02", 2.0), Edit("2026-01", None)],
            "name: A\nvalues: {2026-01: null, 2026-02: 2}\n",
        ),
        (
            "values: {2026-01: 1}\nsegments: {seo: {2026-01: 1}}\n",
            [Edit("2026-02", 5.0, segment="seo"), Edit("2026-01", 3.0, segment="sea")],
            "values: {2026-01: 1}\nsegments: {seo: {2026-01: 1, 2026-02: 5}, sea: {2026-01: 3}}\n",
        ),
        (
            "values:\n  2026-03: 3\n  2026-01: 1",
            [Edit("2026-02", 2.0), Edit("2026-04", 4.0)],
            "values:\n  2026-02: 2\n  2026-03: 3\n  2026-01: 1\n  2026-04: 4\n",
        ),
        (
            "values:\n    2026-01: 1  # indented by four\nnotes:\n",
            [Edit("2026-02", 2.0, note="x"), Edit("2026-03", 3.0, segment="a.b")],
            "values:\n    2026-01: 1  # indented by four\n    2026-02: 2\nnotes:\n"
            '  2026-02: "x"\nsegments:\n  a.b:\n    2026-03: 3\n',
        ),
    ],
    ids=["null-section", "empty-flow", "flow-segments", "unsorted-no-final-newline", "indent"],
)
def test_edits_in_the_shapes_a_file_can_take(text: str, edits: list[Edit], expected: str) -> None:
    assert apply_edits(text, edits) == expected
