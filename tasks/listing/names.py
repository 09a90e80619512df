"""Agencies and provinces as the pages name them: the province's name (never its slug), and an
agency's name with its province only when another agency shown beside it has the same name.

Four provinces' directories side by side each have a "Sở Nông nghiệp và Phát triển nông thôn":
listed bare, the office saw the same department four times and could not tell them apart.
Lists are sorted the Vietnamese way (``tasks.common.text.vi_sort_key``: Đ after D, Ư after U,
"Ủy ban" among the U's), not by code point, which put "Đoàn..." and "Ủy ban..." after "Văn phòng".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache

from tasks.agencies.provinces import UnknownProvinceError, province
from tasks.common.text import fold, vi_sort_key

__all__ = ["agency_labels", "labelled_agencies", "province_name"]


@cache
def _names() -> dict[str, str]:
    """Slug -> name of the 63 provinces as they were until 30/06/2025, today's 34 among them
    (config/agencies/reference/provinces_2025.yaml: read in milliseconds, where the catalogue of
    tasks/agencies/provinces.py walks every commune of the package first)."""
    from tasks.agencies.reference import load_provinces_file

    return {p.slug: p.name for p in load_provinces_file().provinces}


def province_name(slug: str | None) -> str:
    """"bac-giang" -> "Bắc Giang" (a former province too); a slug no catalogue knows is shown as
    words ("tinh-moi" -> "Tinh Moi"), never as a slug."""
    if not slug:
        return ""
    known = _names().get(slug)
    if known is not None:
        return known
    try:
        return province(slug).name
    except UnknownProvinceError:
        return slug.replace("-", " ").title()


def agency_labels(rows: Iterable[tuple[int, str, str]]) -> dict[int, str]:
    """{agency id: label} for (id, name, province slug) rows shown together: the name, followed by
    " (Province)" when another of the rows has the same name (as ``fold`` compares names: case,
    tone placement and punctuation aside). Each id once."""
    unique = {agency_id: (name, slug) for agency_id, name, slug in rows}
    shared = Counter(fold(name) for name, _ in unique.values())
    return {agency_id: f"{name} ({province_name(slug)})" if shared[fold(name)] > 1 and slug else name
            for agency_id, (name, slug) in unique.items()}


def labelled_agencies(rows: Iterable[tuple[int, str, str]]) -> list[tuple[int, str]]:
    """(id, label) of ``agency_labels``, sorted the Vietnamese way."""
    labels = agency_labels(rows)
    return sorted(labels.items(), key=lambda item: vi_sort_key(item[1]))
