"""load.py: YAML with the line of every key and value, nothing converted behind our back."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from kpi_scorecard.errors import Problems
from kpi_scorecard.read.load import Scalar, YMap, YSeq, _Loader, kpi_files, load_file


def load(tmp_path: Path, text: str | bytes) -> tuple[YMap | YSeq | Scalar | None, Problems]:
    path = tmp_path / "kpis" / "k.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    problems = Problems()
    return load_file(tmp_path, path, problems).root, problems


def test_keys_and_values_keep_their_lines(tmp_path: Path) -> None:
    root, problems = load(
        tmp_path, "# comment\nname: A\nvalues:\n  2026-01: 1.5\n  2026-02: null\n"
    )
    assert not problems.items
    assert isinstance(root, YMap)
    assert root.entries["name"][0] == 2
    values = root.entries["values"][1]
    assert isinstance(values, YMap)
    line, node = values.entries["2026-02"]
    assert (line, node.line) == (5, 5)
    assert isinstance(node, Scalar) and node.text == "null" and not node.quoted


def test_scalars_stay_as_written(tmp_path: Path) -> None:
    root, _ = load(tmp_path, "a: no\nb: 'no'\nc: 1:30\nd: |\n  text\n")
    assert isinstance(root, YMap)
    a, b, c, d = (root.entries[k][1] for k in "abcd")
    assert isinstance(a, Scalar) and a.text == "no" and a.tag.endswith(":bool")
    assert isinstance(b, Scalar) and b.quoted
    assert isinstance(c, Scalar) and c.text == "1:30"
    assert isinstance(d, Scalar) and d.quoted and d.text == "text\n"


def test_a_duplicate_key_is_an_error_and_the_first_value_kept(tmp_path: Path) -> None:
    root, problems = load(tmp_path, "a: 1\nb: 2\na: 3\n")
    assert [str(p) for p in problems.items] == [
        "kpis/k.yaml:3: error: duplicate key 'a' (first at line 1)"
    ]
    assert isinstance(root, YMap)
    first = root.entries["a"][1]
    assert isinstance(first, Scalar) and first.text == "1"


def test_an_alias_bomb_is_refused_with_one_message(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 30):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    _, problems = load(tmp_path, "\n".join(lines) + "\n")
    assert [str(p) for p in problems.items] == [
        "kpis/k.yaml:2: error: anchors and aliases (&, *) are not supported (write the value out)"
    ]


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    root, problems = load(tmp_path, b"name: a\n\nnote: caf\xe9\n")
    assert root is None
    assert [str(p) for p in problems.items] == [
        "kpis/k.yaml:3: error: the file is not valid UTF-8: byte 0xe9 (save it as UTF-8)"
    ]


def test_reserved_and_hidden_files_are_not_kpis(tmp_path: Path) -> None:
    kpis = tmp_path / "kpis"
    for name in ("people.yaml", "scorecard.yaml", "a/people.yaml", "b.yml", ".hidden/c.yaml"):
        (kpis / name).parent.mkdir(parents=True, exist_ok=True)
        (kpis / name).write_text("name: x\n")
    found = [p.relative_to(kpis).as_posix() for p in kpi_files(tmp_path)]
    assert found == ["a/people.yaml", "b.yml"]


SCALARS = st.one_of(
    st.sampled_from(["2026-01", "12", "1.5e3", ".5", "yes", "no", "~", "null", "", "0x1F", "1:30"]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
)


def _tags(node: yaml.Node) -> object:
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value, node.style)
    if isinstance(node, yaml.MappingNode):
        return [(_tags(key), _tags(value)) for key, value in node.value]
    return [_tags(item) for item in node.value]


@given(st.lists(st.tuples(SCALARS, SCALARS, st.booleans()), max_size=8))
def test_remembered_tags_resolve_as_the_safe_loader_does(
    pairs: list[tuple[str, str, bool]],
) -> None:
    """The same text plain and quoted, again and again: each keeps its own tag."""
    lines = [
        f"k{i}: {yaml.safe_dump(value, default_style=chr(34) if quoted else None).strip()}"
        for i, (_, value, quoted) in enumerate(pairs)
    ] + [f"{yaml.safe_dump(key).strip()}: 1" for key, _, _ in pairs]
    text = "\n".join(lines) + "\n"
    try:
        expected = yaml.compose(text, Loader=yaml.CSafeLoader)  # what _Loader extends
    except yaml.YAMLError:
        return
    if expected is None:
        return
    for _ in range(2):  # the second time from what the loader remembered
        assert _tags(yaml.compose(text, Loader=_Loader)) == _tags(expected)
