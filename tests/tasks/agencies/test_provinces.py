"""Vietnam's provinces after the 2025 reform (Nghị quyết 202/2025/QH15): the package's 34 and the former 63."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tasks.agencies.provinces import (
    UnknownProvinceError,
    all_provinces,
    communes,
    current_provinces,
    current_slugs,
    load_provinces,
    province,
    successor,
)
from tasks.agencies.reference import PROVINCES_FILE, ReferenceDataError, load_provinces_file
from tasks.common.text import slugify


def test_today_34_provinces_and_3321_communes() -> None:
    current = current_provinces()
    assert len(current) == 34
    kinds = Counter(c.kind for p in current for c in communes(p.slug))
    assert kinds == {"xã": 2621, "phường": 687, "đặc khu": 13}
    assert sum(p.communes or 0 for p in current) == 3321


@pytest.mark.parametrize(("slug", "count"), [
    ("ha-noi", 126), ("ho-chi-minh", 168), ("bac-ninh", 99), ("vinh-long", 124), ("an-giang", 102),
    ("khanh-hoa", 65), ("lang-son", 65),
])
def test_communes_per_province(slug: str, count: int) -> None:
    assert province(slug).communes == count
    assert len(communes(slug)) == count


def test_slugs_are_the_folded_names_without_tinh_or_thanh_pho() -> None:
    slugs = current_slugs()
    assert {"ha-noi", "ho-chi-minh", "bac-ninh", "dak-lak", "khanh-hoa", "hue", "lang-son"} <= slugs
    for p in all_provinces():
        assert p.slug == slugify(p.name)
        assert not p.name.startswith(("Tỉnh ", "Thành phố "))
    assert province("ha-noi").full_name == "Thành phố Hà Nội" and province("ha-noi").city
    assert province("bac-ninh").full_name == "Tỉnh Bắc Ninh" and not province("bac-ninh").city


def test_63_former_provinces_each_in_one_current_province() -> None:
    spec = load_provinces_file()
    assert len(spec.provinces) == 63
    # every province appears once: 34 current (11 unchanged, 23 that absorbed others), 29 merged into one
    everyone = all_provinces()
    assert len(everyone) == len({p.slug for p in everyone}) == 63
    assert sum(p.current for p in everyone) == 34
    merged = Counter(f.successor for f in spec.provinces)
    assert sum(n == 1 for n in merged.values()) == 11
    assert sum(n > 1 for n in merged.values()) == 23
    for p in everyone:
        if p.current:
            assert p.successor is None and p.communes and p.slug in p.predecessors
        else:
            assert p.successor in current_slugs() and p.communes is None


@pytest.mark.parametrize(("former", "now"), [
    ("bac-giang", "bac-ninh"), ("ben-tre", "vinh-long"), ("kien-giang", "an-giang"), ("ninh-thuan", "khanh-hoa"),
])
def test_the_sample_provinces_successors(former: str, now: str) -> None:
    p = province(former)
    assert not p.current and p.successor == now
    assert successor(former).slug == now
    assert former in province(now).predecessors


def test_lang_son_is_unchanged_and_current() -> None:
    p = province("lang-son")
    assert p.current and p.successor is None and p.predecessors == ("lang-son",)
    assert successor("lang-son") == p


def test_the_file_agrees_with_the_package() -> None:
    from vietnam_provinces import Province

    package = {slugify(p.name.removeprefix("Thành phố ")) for p in Province.iter_all()}
    assert package == {p.codename.replace("_", "-") for p in Province.iter_all()}  # the package's own spelling
    going_on = {f.slug for f in load_provinces_file().provinces if f.successor == f.slug}
    assert going_on == package == current_slugs()


def test_communes_name_their_kind() -> None:
    for c in communes("bac-ninh"):
        assert c.name.startswith({"xã": "Xã ", "phường": "Phường ", "đặc khu": "Đặc khu "}[c.kind])
    assert [c.code for c in communes("bac-ninh")] == sorted(c.code for c in communes("bac-ninh"))


def test_unknown_and_former_provinces_are_clear_errors() -> None:
    with pytest.raises(UnknownProvinceError, match="unknown province 'bac-kinh'"):
        province("bac-kinh")
    with pytest.raises(UnknownProvinceError, match="'ben-tre' is a former province, part of 'vinh-long'"):
        communes("ben-tre")


def test_read_once() -> None:
    assert all_provinces() == all_provinces()
    assert communes("ha-noi") is communes("ha-noi")


# -- a broken data file is one line naming the file --------------------------------------------


def _write(tmp_path: Path, mutate: Callable[[dict[str, Any]], None]) -> Path:
    data = yaml.safe_load(PROVINCES_FILE.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "provinces_2025.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ReferenceDataError) as info:
        load_provinces(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def test_the_shipped_file_loads(tmp_path: Path) -> None:
    assert len(load_provinces(_write(tmp_path, lambda data: None)).provinces) == 63


def test_a_successor_that_is_no_province(tmp_path: Path) -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["provinces"][14]["successor"] = "bac-kinh"

    message = _error(_write(tmp_path, mutate))
    assert "successor 'bac-kinh' of 'bac-giang' is not a province that goes on" in message
    assert ", line " in message


def test_a_province_the_package_does_not_have(tmp_path: Path) -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["provinces"][14]["successor"] = "bac-giang"  # Bắc Giang going on: not one of today's 34

    assert "'bac-giang' goes on under its name here but is not one of today's provinces" in _error(
        _write(tmp_path, mutate))


def test_a_current_province_missing(tmp_path: Path) -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["provinces"] = [p for p in data["provinces"] if p["slug"] not in ("lang-son",)]

    assert "today's province 'lang-son' (vietnam-provinces) is not listed" in _error(_write(tmp_path, mutate))


def test_a_slug_that_is_not_the_name(tmp_path: Path) -> None:
    def mutate(data: dict[str, Any]) -> None:
        data["provinces"][14]["slug"] = "bac-giang-2"

    assert "slug 'bac-giang-2' is not the name 'Bắc Giang' folded ('bac-giang')" in _error(_write(tmp_path, mutate))


def test_a_missing_field_and_a_bad_date(tmp_path: Path) -> None:
    def no_successor(data: dict[str, Any]) -> None:
        del data["provinces"][3]["successor"]

    assert "provinces[3]: missing field 'successor'" in _error(_write(tmp_path, no_successor))

    path = tmp_path / "dates.yaml"
    path.write_text(PROVINCES_FILE.read_text(encoding="utf-8").replace("valid_to: 2025-06-30", "valid_to: 30/06/2025"),
                    encoding="utf-8")
    assert "valid_to" in _error(path)


def test_not_yaml_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("provinces: [\n", encoding="utf-8")
    assert "not valid YAML" in _error(path)
