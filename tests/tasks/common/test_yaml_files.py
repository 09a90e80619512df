"""The YAML reader: the data, the line of every entry, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.common.yaml_files import YamlLines, load_yaml, load_yaml_lines

TEXT = """\
# a comment
near_days: 3
levels:
  - {level: 1, to: [lead]}
  - level: 2
    to:
      - lead
      - office
2020: {yes: 1}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_data_is_what_load_yaml_reads_and_every_entry_has_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, TEXT)
    data, lines = load_yaml_lines(path, error=ValueError)
    assert data == load_yaml(path, error=ValueError)
    assert lines[("near_days",)] == 2
    assert lines[("levels", 0)] == lines[("levels", 0, "to", 0)] == 4  # a flow mapping: all on its line
    assert (lines[("levels", 1)], lines[("levels", 1, "to")], lines[("levels", 1, "to", 1)]) == (5, 6, 8)
    assert lines[(2020, True)] == 9  # keys as the data holds them


def test_a_path_below_or_beside_the_document_gives_the_deepest_line_it_reaches(tmp_path: Path) -> None:
    _, lines = load_yaml_lines(write(tmp_path, TEXT), error=ValueError)
    assert lines.line(("levels", 1, "after_days")) == 5  # a missing field: its mapping's line
    assert lines.line(("levels", 1, "LevelSpec", "to")) == 6  # a label not in the document is skipped
    assert lines.line(()) is None and lines.line(("nothing",)) is None


def test_lines_below_a_key_and_without_keys(tmp_path: Path) -> None:
    _, lines = load_yaml_lines(write(tmp_path, TEXT), error=ValueError)
    assert lines.under("levels", 1) == {("level",): 5, ("to",): 6, ("to", 0): 7, ("to", 1): 8}
    assert isinstance(lines.under("levels"), YamlLines)
    assert set(lines.without(["levels", 2020])) == {("near_days",)}


def test_nested_aliases_are_walked_once(tmp_path: Path) -> None:
    rows = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    rows += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]" for i in range(8)]
    data, lines = load_yaml_lines(write(tmp_path, "\n".join(rows) + "\n"), error=ValueError)
    assert len(data["i"]) == 10
    assert len(lines) < 200  # 10**9 paths were it walked every one
    assert lines.line(("i", 3, 4, 5)) == 8  # what an alias holds: on the line of the anchor it repeats


@pytest.mark.parametrize(("text", "expected"), [
    ("a: [1,\n", r"x\.yaml, line 2: not valid YAML"),
    ("a: *nowhere\n", r"x\.yaml, line 1: not valid YAML \(found undefined alias"),
])
def test_a_syntax_error_is_one_line_naming_the_file_and_the_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ValueError, match=expected) as err:
        load_yaml_lines(write(tmp_path, text), error=ValueError)
    assert "\n" not in str(err.value)


def test_an_empty_document_has_no_data_and_no_lines(tmp_path: Path) -> None:
    assert load_yaml_lines(write(tmp_path, "# nothing\n"), error=ValueError) == (None, {})
