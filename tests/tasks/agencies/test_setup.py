"""Today's directory of a province (tasks/agencies/setup.py) and resolution by the plan's date."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest

from tasks.agencies.directory import AgencyDirectory, DatedProvince, ProvinceDirectory
from tasks.agencies.provinces import UnknownProvinceError, current_slugs
from tasks.agencies.reference import ReferenceDataError
from tasks.agencies.setup import GROUPS_FILE, ProvinceSetup, province_setup, setup_hint, today_groups

TODAY = date(2026, 12, 10)
NNMT = "Sở Nông nghiệp và Môi trường"


@cache
def _setup(slug: str) -> ProvinceSetup:
    return province_setup(slug)


@cache
def _bac_ninh() -> ProvinceDirectory:
    return _setup("bac-ninh").directory()


def _names(prov: ProvinceDirectory, cell: str) -> list[str]:
    return [a.name for a in prov.resolve_cell(cell).agencies]


def test_every_current_province_sets_up_with_its_communes_and_no_name_claimed_twice() -> None:
    total = 0
    for slug in sorted(current_slugs()):
        setup = _setup(slug)
        directory = setup.directory()
        assert directory.conflicts == [], slug
        keys = [a.key for a in setup.agencies]
        assert len(keys) == len(set(keys)), slug
        assert sum(1 for a in directory.agencies if a.kind == "office") == 1
        for a in setup.agencies:  # a former body names the agency of the province that carries it now
            if a.valid_to is not None:
                assert a.successor_key is not None and directory.get(a.successor_key).valid_to is None, (slug, a.key)
        total += len(setup.communes)
    assert total == 3321


def test_a_commune_is_an_agency_with_its_official_name_and_short_forms() -> None:
    communes = {a.name: a for a in _setup("bac-ninh").communes}
    assert len(communes) == 99
    luc_ngan = communes["UBND xã Lục Ngạn"]
    assert (luc_ngan.kind, luc_ngan.key, luc_ngan.groups) == ("commune", "xa-luc-ngan", ("cap_xa", "xa"))
    assert {"Xã Lục Ngạn", "Chủ tịch UBND xã Lục Ngạn", "Lục Ngạn"} <= set(luc_ngan.aliases)
    assert luc_ngan.email.endswith("@bacninh.example")
    prov = _bac_ninh().on(TODAY)
    for written in ("UBND xã Lục Ngạn", "Ủy ban nhân dân xã Lục Ngạn", "xã Lục Ngạn", "Lục Ngạn", "UBND XÃ LỤC NGẠN"):
        assert _names(prov, written) == ["UBND xã Lục Ngạn"], written
    assert _names(prov, "UBND phường Kinh Bắc; Đặc khu Phú Quốc") == ["UBND phường Kinh Bắc"]
    assert prov.resolve_cell("Đặc khu Phú Quốc").unresolved == ["Đặc khu Phú Quốc"]  # An Giang's, not Bắc Ninh's


def test_numbered_wards_are_told_apart() -> None:
    prov = _setup("tuyen-quang").directory().on(TODAY)
    assert _names(prov, "UBND phường Hà Giang 1, UBND phường Hà Giang 2") == [
        "UBND phường Hà Giang 1", "UBND phường Hà Giang 2"]


def test_two_communes_folding_to_one_key_get_their_codes() -> None:
    keys = [a.key for a in _setup("dong-nai").communes if a.key.startswith("xa-loc-thanh")]
    assert len(keys) == 2 and all(k.rsplit("-", 1)[1].isdigit() for k in keys)


@pytest.mark.parametrize(("cell", "count"), [
    ("UBND các xã, phường", 99), ("UBND các xã, phường, đặc khu", 99), ("UBND cấp xã", 99), ("các địa phương", 99),
    ("Chủ tịch UBND xã, phường", 99), ("UBND các xã", 66), ("UBND các phường", 33),
])  # fmt: skip
def test_commune_group_wording_expands_to_the_communes_in_force(cell: str, count: int) -> None:
    res = _bac_ninh().on(TODAY).resolve_cell(cell)
    assert (len(res.agencies), res.unresolved) == (count, [])
    assert {a.kind for a in res.agencies} == {"commune"}


@pytest.mark.parametrize("cell", ["Sở, ban, ngành", "các sở, ngành", "Giám đốc, thủ trưởng các Sở, ban, ngành",
                                  "Các sở, ban, ngành tỉnh"])
def test_department_group_wording_expands_to_today_s_departments(cell: str) -> None:
    names = _names(_bac_ninh().on(TODAY), cell)
    assert len(names) == 12 and NNMT in names and "Sở Nông nghiệp và Phát triển nông thôn" not in names


def test_names_with_va_or_a_comma_are_never_split() -> None:
    prov = _bac_ninh().on(TODAY)
    assert _names(prov, "Sở Văn hóa, Thể thao và Du lịch") == ["Sở Văn hóa, Thể thao và Du lịch"]
    assert _names(prov, "Sở Khoa học và Công nghệ, Sở NN&MT") == ["Sở Khoa học và Công nghệ", NNMT]
    assert _names(prov, "UBND xã Lục Ngạn, UBND xã Sơn Động") == ["UBND xã Lục Ngạn", "UBND xã Sơn Động"]
    hanoi = _setup("ha-noi").directory().on(TODAY)
    assert _names(hanoi, "Sở Văn hóa và Thể thao, Sở Du lịch") == ["Sở Văn hóa và Thể thao", "Sở Du lịch"]


@pytest.mark.parametrize("written", [NNMT, "Sở NN&MT", "Sở NN và MT", "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG tỉnh Bắc Ninh"])
def test_the_merged_department_resolves_to_today_s(written: str) -> None:
    assert _names(_bac_ninh().on(TODAY), written) == [NNMT]


def test_after_the_reform_an_abolished_name_is_flagged_never_mapped() -> None:
    res = _bac_ninh().on(TODAY).resolve_cell("Sở NN&PTNT, Sở KH&ĐT; UBND các huyện, TP; Sở Y tế")
    assert [a.name for a in res.agencies] == ["Sở Y tế"]
    assert res.unresolved == ["Sở NN&PTNT", "Sở KH&ĐT", "UBND các huyện, TP"]
    assert res.reasons["Sở NN&PTNT"] == ("Sở Nông nghiệp và Phát triển nông thôn ended on 28/02/2025; its work went "
                                         "to Sở Nông nghiệp và Môi trường: not mapped, name today's agency")
    assert "Sở Tài chính" in res.reasons["Sở KH&ĐT"]
    assert res.reasons["UBND các huyện, TP"].startswith("the district level")
    district = _bac_ninh().on(TODAY).resolve_cell("UBND huyện Lục Ngạn")  # not the commune of that name
    assert (district.agencies, district.unresolved) == ([], ["UBND huyện Lục Ngạn"])


def test_before_the_reform_the_directory_of_the_plan_s_date() -> None:
    prov = _bac_ninh().on(date(2024, 6, 1))
    assert _names(prov, "Sở NN&PTNT") == ["Sở Nông nghiệp và Phát triển nông thôn"]
    departments = _names(prov, "Sở, ban, ngành")
    assert "Sở Nông nghiệp và Phát triển nông thôn" in departments and NNMT not in departments
    assert "Sở Tài chính" in departments  # a department older than the reform is in force before it
    assert prov.resolve_cell("UBND các xã, phường").agencies == []  # today's communes did not exist yet
    assert "exists only from 01/07/2025" in prov.resolve_cell("UBND xã Lục Ngạn").reasons["UBND xã Lục Ngạn"]


def test_a_city_writes_thanh_pho_and_has_its_own_departments() -> None:
    names = {a.name for a in _setup("ha-noi").agencies if a.valid_to is None}
    assert {"Ủy ban nhân dân Thành phố", "Công an Thành phố", "Thành đoàn", "Sở Quy hoạch - Kiến trúc",
            "Sở Du lịch", "Sở Văn hóa và Thể thao"} <= names
    assert "Sở Văn hóa, Thể thao và Du lịch" not in names
    assert "Sở Quy hoạch - Kiến trúc" not in {a.name for a in _setup("bac-ninh").agencies}


def test_optional_bodies_are_added_or_left_out_on_request() -> None:
    setup = province_setup("bac-ninh", with_codes=["sdttg"], without_codes=["sngv"])
    by_key = {a.key: a for a in setup.agencies}
    assert "sdttg" in by_key and "sngv" not in by_key
    assert by_key["bandantoc"].successor_key == "sdttg"  # without Sở DT&TG it would be Sở Nội vụ
    assert {a.key: a for a in _setup("bac-ninh").agencies}["bandantoc"].successor_key == "snv"
    with pytest.raises(UnknownProvinceError, match="unknown body 'sxyz'"):
        province_setup("bac-ninh", with_codes=["sxyz"])


def test_a_former_or_unknown_province_cannot_be_set_up() -> None:
    with pytest.raises(UnknownProvinceError, match="'bac-giang' is a former province, part of 'bac-ninh'"):
        province_setup("bac-giang")
    with pytest.raises(UnknownProvinceError, match="unknown province 'sai-gon'"):
        province_setup("sai-gon")
    assert setup_hint("ha-noi") == " (set it up first: dondoc province add ha-noi)"
    assert "part of 'vinh-long'" in setup_hint("ben-tre") and setup_hint("sai-gon") == ""


def test_the_importer_picks_the_directory_of_the_plan_s_date() -> None:
    dated = {"bac-ninh": DatedProvince("bac-ninh", "Bắc Ninh", _bac_ninh),
             "lang-son": DatedProvince("lang-son", "Lạng Sơn", lambda: _setup("lang-son").directory())}
    directory = AgencyDirectory.load().with_dated(dated, today=TODAY)
    assert directory.provinces == ["bac-giang", "ben-tre", "kien-giang", "lang-son", "bac-ninh"]
    # a sample province's plan of before the reform: its sample directory, as always
    sample = directory.province("lang-son", on=date(2023, 8, 23))
    assert (sample.slug, sample.as_of) == ("lang-son", None)
    assert _names(sample, "UBND huyện Cao Lộc") == ["UBND huyện Cao Lộc"]
    # since the reform, today's directory only
    today = directory.province("lang-son", on=date(2026, 3, 5))
    assert today.as_of == TODAY and _names(today, "Sở NN&MT") == [NNMT]
    assert directory.province("bac-ninh", on=date(2024, 1, 1)).as_of == date(2024, 1, 1)
    assert directory.province("bac-giang", on=date(2020, 2, 17)).as_of is None  # a former sample province
    assert directory.infer_province("ỦY BAN NHÂN DÂN\nTỈNH BẮC NINH\nBắc Ninh, ngày 15 tháng 01 năm 2026") == "bac-ninh"
    with pytest.raises(KeyError, match="unknown province 'ha-noi'"):
        directory.province("ha-noi")


def test_a_sample_directory_is_the_same_on_every_day() -> None:
    sample = AgencyDirectory.load().province("bac-giang")
    cell = "Sở NN&PTNT, UBND huyện Tân Yên, Sở Nông nghiệp và Môi trường"
    assert _names(sample.on(TODAY), cell) == _names(sample, cell)


def test_a_broken_groups_file_is_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "groups.yaml"
    broken.write_text(GROUPS_FILE.read_text(encoding="utf-8").replace("kind: abolished", "kind: gone"),
                      encoding="utf-8")
    with pytest.raises(ReferenceDataError) as info:
        today_groups(broken)
    message = str(info.value)
    assert message.startswith(f"{broken}, line ") and "unknown kind 'gone'" in message and "\n" not in message
