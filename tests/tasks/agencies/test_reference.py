"""The provincial departments after the 2025 reform (Nghị định 45/2025/NĐ-CP, 150/2025/NĐ-CP) and their file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tasks.agencies.directory import AgencyDirectory
from tasks.agencies.provinces import current_slugs
from tasks.agencies.reference import DEPARTMENTS_FILE, ReferenceDataError, departments, load_departments
from tasks.common.text import fold

STANDARD_12 = [
    "Sở Nội vụ", "Sở Tư pháp", "Sở Tài chính", "Sở Công Thương", "Sở Nông nghiệp và Môi trường", "Sở Xây dựng",
    "Sở Khoa học và Công nghệ", "Sở Văn hóa, Thể thao và Du lịch", "Sở Giáo dục và Đào tạo", "Sở Y tế",
    "Thanh tra tỉnh", "Văn phòng Ủy ban nhân dân tỉnh",
]


def test_the_12_standard_specialised_agencies() -> None:
    d = departments()
    standard = [a.name for a in d.current() if a.kind == "department" and a.scope == "all"]
    assert standard == STANDARD_12
    for a in d.current():
        assert a.valid_from in (dt.date(2025, 3, 1), dt.date(2025, 7, 1))
        assert a.sources and all(s in d.sources for s in a.sources)
    assert "Nghị định 45/2025/NĐ-CP" in d.sources["nd45"] and "Nghị định 150/2025/NĐ-CP" in d.sources["nd150"]


def test_the_optional_ones() -> None:
    d = departments()
    optional = {a.name: a.only_in for a in d.current() if a.scope == "optional"}
    assert set(optional) >= {"Sở Ngoại vụ", "Sở Dân tộc và Tôn giáo", "Sở Du lịch", "Sở Quy hoạch - Kiến trúc"}
    assert optional["Sở Quy hoạch - Kiến trúc"] == ["ha-noi", "ho-chi-minh"]


def test_the_other_bodies_and_the_mass_organisations() -> None:
    names = {a.name for a in departments().current()}
    assert {"Công an tỉnh", "Thuế tỉnh", "Kho bạc Nhà nước khu vực", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
            "Hội Nông dân tỉnh", "Hội Liên hiệp Phụ nữ tỉnh", "Tỉnh đoàn", "Hội Cựu chiến binh tỉnh",
            "Liên đoàn Lao động tỉnh"} <= names


@pytest.mark.parametrize(("former", "now"), [
    ("snnptnt", "snnmt"), ("stnmt", "snnmt"), ("skhdt", "stc"), ("sgtvt", "sxd"), ("sldtbxh", "snv"),
    ("stttt", "skhcn"), ("bandantoc", "sdttg"), ("kbnn", "kbnnkv"), ("cucthue", "thue"), ("svhttdl", "svhttdl"),
])
def test_former_departments_and_their_successors(former: str, now: str) -> None:
    d = departments()
    assert d.successor_of(former).code == now
    if former != now:
        a = d.get(former)
        assert not a.current and a.valid_to is not None and a.valid_to <= dt.date(2025, 6, 30)
        assert d.get(a.successor or "").valid_from == a.valid_to + dt.timedelta(days=1)


def test_the_bodies_in_place_on_a_day() -> None:
    d = departments()
    before = {a.code for a in d.current(dt.date(2025, 2, 1))}
    assert {"snnptnt", "stnmt", "skhdt", "cucthue", "kbnn"} <= before and "snnmt" not in before
    between = {a.code for a in d.current(dt.date(2025, 5, 1))}
    assert "chicucthuekv" in between and "thue" not in between and "cucthue" not in between
    assert {a.code for a in d.current(dt.date(2026, 1, 1))} == {a.code for a in d.current()}


def test_short_forms_are_aliases_and_no_name_is_shared() -> None:
    d = departments()
    assert {"Sở NN&MT", "Sở NNMT"} <= set(d.get("snnmt").aliases)
    named: dict[str, set[str]] = {}
    for a in d.entries:
        for phrase in (a.name, *a.aliases):
            named.setdefault(fold(phrase), set()).add(a.code)
    assert {phrase: codes for phrase, codes in named.items() if len(codes) > 1} == {}


def test_same_codes_as_the_directory_where_the_body_is_the_same() -> None:
    """The directory's standard.yaml and this file name the same body by the same code."""
    bg = AgencyDirectory.load().province("bac-giang")
    directory = {a.key: fold(a.name) for a in bg.agencies}
    for a in departments().entries:
        if a.code in directory and "{province}" not in a.name:
            assert directory[a.code] == fold(a.name), a.code


def test_only_in_names_current_provinces() -> None:
    for a in departments().entries:
        assert set(a.only_in) <= current_slugs()


def test_the_reference_files_are_not_read_as_province_directories() -> None:
    assert DEPARTMENTS_FILE.parent.parent.name == "agencies"
    assert "reference" not in AgencyDirectory.load().provinces


# -- a broken file is one line naming it ---------------------------------------------------------


def _error(tmp_path: Path, text: str, **kwargs: object) -> str:
    path = tmp_path / "departments.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceDataError) as info:
        load_departments(path, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


SHIPPED = DEPARTMENTS_FILE.read_text(encoding="utf-8")


def test_a_successor_not_in_the_file(tmp_path: Path) -> None:
    message = _error(tmp_path, SHIPPED.replace("successor: stc\n", "successor: stcc\n"))
    assert "successor 'stcc' is not a code of this file" in message and ", line " in message


def test_a_successor_that_does_not_start_the_next_day(tmp_path: Path) -> None:
    text = SHIPPED.replace("    valid_to: 2025-02-28\n    successor: sxd\n",
                           "    valid_to: 2025-01-31\n    successor: sxd\n")
    assert "successor 'sxd' must start the day after valid_to 2025-01-31" in _error(tmp_path, text)


def test_a_former_body_without_successor(tmp_path: Path) -> None:
    text = SHIPPED.replace("    successor: sxd\n", "")
    assert "a former body has both valid_to and successor, a current one neither" in _error(tmp_path, text)


def test_an_alias_naming_two_bodies(tmp_path: Path) -> None:
    text = SHIPPED.replace("aliases: [Sở XD]", "aliases: [Sở XD, Sở GTVT]")
    assert "'Sở GTVT' also names 'sxd'" in _error(tmp_path, text)


def test_an_unknown_source_kind_and_key(tmp_path: Path) -> None:
    assert "source 'nd46' is not one of sources" in _error(
        tmp_path, SHIPPED.replace("sources: [nd45]", "sources: [nd46]", 1))
    assert "unknown kind 'sở'" in _error(tmp_path, SHIPPED.replace("kind: department", "kind: sở", 1))
    assert "unknown key 'valid_until'" in _error(tmp_path, SHIPPED.replace("valid_to:", "valid_until:", 1))
    assert "must be a date written YYYY-MM-DD, got '01/03/2025'" in _error(
        tmp_path, SHIPPED.replace("valid_from: 2025-03-01", "valid_from: 01/03/2025", 1))


def test_only_in_an_unknown_province(tmp_path: Path) -> None:
    text = SHIPPED.replace("only_in: [ha-noi, ho-chi-minh]", "only_in: [ha-noi, sai-gon]")
    assert "only_in: 'sai-gon' is not one of today's provinces" in _error(tmp_path, text, provinces=current_slugs())
