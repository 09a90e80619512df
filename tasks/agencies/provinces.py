"""Vietnam's provinces as dondoc names them, before and after the 2025 reform. Pure: no database.

Since 01/07/2025 (Nghị quyết 202/2025/QH15) there are 34 provinces and centrally-run cities and
two levels of local government: the province, then 3,321 communes (2,621 xã, 687 phường, 13
đặc khu). Today's provinces and their communes come from the ``vietnam-provinces`` package
(2025.10.x, GSO codes); the 63 provinces before the reform, each with the province it is part of
now, from ``config/agencies/reference/provinces_2025.yaml``. The two are checked against each
other when first read, and read once per process.

A province's ``slug`` is its folded name without "Tỉnh"/"Thành phố": ``bac-ninh``, ``ha-noi``,
``ho-chi-minh``, ``dak-lak``. A province that went on under its name after the reform (Lạng Sơn,
unchanged; Bắc Ninh, which absorbed Bắc Giang) has one slug, current; a former province that
was merged into another (``bac-giang``) is not current and names its ``successor``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

from tasks.common.text import slugify

__all__ = ["CommuneInfo", "ProvinceInfo", "UnknownProvinceError", "all_provinces", "communes", "current_provinces",
           "current_slugs", "load_provinces", "package_version", "province", "successor"]

CommuneKind = Literal["xã", "phường", "đặc khu"]
_CITY_PREFIX = "Thành phố "
_PROVINCE_PREFIX = "Tỉnh "


@dataclass(frozen=True)
class CommuneInfo:
    """A commune-level unit of a current province."""

    code: int  # GSO code
    name: str  # as the package writes it, kind included: "Xã Lục Ngạn", "Phường Kinh Bắc", "Đặc khu Phú Quốc"
    kind: CommuneKind


@dataclass(frozen=True)
class ProvinceInfo:
    """A province: one of today's 34, or one of the former 63 merged into another."""

    slug: str
    name: str  # without "Tỉnh"/"Thành phố": "Bắc Ninh", "Hà Nội", "Hồ Chí Minh"
    current: bool
    successor: str | None  # a former province's current province; None for a current one
    communes: int | None  # a current province's count of communes; None for a former one (not in the data)
    code: int  # GSO code: today's for a current province, the former one's for a former province
    city: bool = False  # a centrally-run city (thành phố trực thuộc trung ương)
    # a current province's former provinces (its own slug among them): ("bac-giang", "bac-ninh")
    predecessors: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        """"Thành phố Hà Nội", "Tỉnh Bắc Ninh"."""
        return f"{_CITY_PREFIX if self.city else _PROVINCE_PREFIX}{self.name}"

    def as_json(self) -> dict[str, Any]:
        """What ``dondoc province list --json`` prints for it."""
        return {"slug": self.slug, "name": self.name, "current": self.current, "successor": self.successor,
                "communes": self.communes}


class UnknownProvinceError(LookupError):
    """A slug that names no province, or a former province where a current one is needed."""

    def __str__(self) -> str:  # LookupError's str of one argument is the argument itself; kept explicit
        return str(self.args[0]) if self.args else "unknown province"


@dataclass(frozen=True)
class ProvinceCatalogue:
    """Every province by slug (today's 34 first, in GSO code order, then the former ones) and today's communes."""

    provinces: dict[str, ProvinceInfo]
    communes: dict[str, tuple[CommuneInfo, ...]]
    source: str  # the resolution the successors come from
    package_version: str


def load_provinces(path: Path | None = None) -> ProvinceCatalogue:
    """Today's provinces from the package joined with the former ones of ``path`` (default: the shipped file).

    A file that does not agree with the package raises
    :class:`~tasks.agencies.reference.ReferenceDataError` (one line naming the file).
    """
    import vietnam_provinces
    from vietnam_provinces import Province, VietNamDivisionType, Ward

    from tasks.agencies.reference import PROVINCES_FILE, load_provinces_file

    by_code: dict[int, list[CommuneInfo]] = {}
    for ward in Ward.iter_all():  # one pass: Ward.iter_by_province walks every ward for each province
        kind = cast(CommuneKind, ward.division_type.value)  # xã, phường, đặc khu
        by_code.setdefault(int(ward.province_code), []).append(CommuneInfo(int(ward.code), ward.name, kind))
    today: list[tuple[str, str, int, bool]] = []  # slug, name, code, city
    for p in sorted(Province.iter_all(), key=lambda p: int(p.code)):
        name = p.name.removeprefix(_CITY_PREFIX).removeprefix(_PROVINCE_PREFIX)
        today.append((slugify(name), name, int(p.code), p.division_type is VietNamDivisionType.THANH_PHO_TRUNG_UONG))
    spec = load_provinces_file(path or PROVINCES_FILE, current={slug: name for slug, name, _, _ in today})

    provinces: dict[str, ProvinceInfo] = {}
    communes: dict[str, tuple[CommuneInfo, ...]] = {}
    for slug, name, code, city in today:
        own = tuple(sorted(by_code.get(code, []), key=lambda c: c.code))
        communes[slug] = own
        predecessors = tuple(f.slug for f in spec.provinces if f.successor == slug)
        provinces[slug] = ProvinceInfo(slug=slug, name=name, current=True, successor=None, communes=len(own),
                                       code=code, city=city, predecessors=predecessors)
    for f in spec.provinces:
        if f.slug not in provinces:
            provinces[f.slug] = ProvinceInfo(slug=f.slug, name=f.name, current=False, successor=f.successor,
                                             communes=None, code=f.code)
    return ProvinceCatalogue(provinces=provinces, communes=communes, source=spec.source,
                             package_version=vietnam_provinces.__version__)


@cache
def _catalogue() -> ProvinceCatalogue:
    return load_provinces()


def all_provinces() -> list[ProvinceInfo]:
    """Today's 34 provinces, then the former provinces merged into one of them (29)."""
    return list(_catalogue().provinces.values())


def current_provinces() -> list[ProvinceInfo]:
    return [p for p in _catalogue().provinces.values() if p.current]


def current_slugs() -> frozenset[str]:
    return frozenset(p.slug for p in current_provinces())


def province(slug: str) -> ProvinceInfo:
    """The province of a slug, current or former; :class:`UnknownProvinceError` for an unknown one."""
    try:
        return _catalogue().provinces[slug]
    except KeyError:
        raise UnknownProvinceError(f"unknown province {slug!r} (neither one of today's 34 nor a former one; slugs "
                                   "are names folded, without Tỉnh/Thành phố: 'bac-ninh', 'ho-chi-minh')") from None


def successor(slug: str) -> ProvinceInfo:
    """The current province a province is part of today: itself when current, its successor when former."""
    p = province(slug)
    return p if p.successor is None else province(p.successor)


def package_version() -> str:
    """The ``vietnam-provinces`` version today's provinces and communes come from."""
    return _catalogue().package_version


def communes(slug: str) -> tuple[CommuneInfo, ...]:
    """A current province's communes (xã, phường, đặc khu), by code.

    A former province has none of its own since 01/07/2025: asking for it names its successor.
    """
    p = province(slug)
    if not p.current:
        raise UnknownProvinceError(f"{slug!r} is a former province, part of {p.successor!r} since 01/07/2025; "
                                   f"its communes are among {p.successor!r}'s")
    return _catalogue().communes[slug]
