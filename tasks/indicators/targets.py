"""Indicators (chỉ tiêu): numeric targets read from a plan, and progress against them.

    indicators = extract_indicators(doc, plan_year=2020, title=meta.title)
    rows = progress(indicators, reported_values, as_of=date(2020, 6, 30))

Where they come from (precision over recall: a target is kept only when its number, unit and name
are all clear; anything doubtful is left out):

* the plan's objectives section ("MỤC TIÊU"), sentence by sentence (tasks.indicators.text):
  "Tỷ lệ số xã đạt chuẩn nông thôn mới 63,5%", "có 125 sản phẩm OCOP đạt từ 3 sao trở lên",
  "Hàng năm thành lập mới được từ 15 - 20 hợp tác xã ...", "Có thêm 23 xã đạt chuẩn nông thôn
  mới, lũy kế 124/184 xã, chiếm 67,4%", "Tỷ lệ hộ nghèo giảm còn 3,5%";
* target tables per district such as Bắc Giang's Biểu 01 (tasks.indicators.table): actual of the
  previous year and plan of the year, one indicator per district and column pair;
* tables of indicators with a unit column and target years ("Chỉ tiêu | Đơn vị tính | Năm 2025 |
  Năm 2030", tasks.indicators.target_table);
* the targets column of an appendix row ("Chỉ tiêu đánh giá đến năm 2020"), with the row's lead
  agency as owner (``milestone_indicators``).

Numbers are written the Vietnamese way: "." groups thousands ("4.500" is 4500), "," is the
decimal mark ("3,5" is 3.5).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from tasks.common.text import slugify
from tasks.importing.readers.base import PlanDocument

__all__ = [
    "Indicator",
    "IndicatorFact",
    "IndicatorProgress",
    "Target",
    "document_indicators",
    "extract_indicators",
    "fmt_number",
    "merge_indicators",
    "milestone_indicators",
    "parse_number",
    "progress",
]

NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"


def parse_number(text: str) -> float:
    """'4.500' -> 4500.0, '3,5' -> 3.5, '16,2' -> 16.2, '08' -> 8.0 (ValueError otherwise)."""
    cleaned = text.strip()
    if not re.fullmatch(NUMBER, cleaned):
        raise ValueError(f"not a Vietnamese number: {text!r}")
    return float(cleaned.replace(".", "").replace(",", "."))


def fmt_number(value: float | None) -> str:
    """4500.0 -> '4.500', 63.5 -> '63,5', 16.25 -> '16,25', None -> ''."""
    if value is None:
        return ""
    rounded = round(value, 2)
    if rounded == int(rounded):
        return f"{int(rounded):,}".replace(",", ".")
    whole, _, frac = f"{rounded:.2f}".partition(".")
    return f"{int(whole):,}".replace(",", ".") + "," + frac.rstrip("0")


@dataclass(frozen=True)
class Target:
    year: int  # the horizon: "đến năm 2025"
    low: float
    high: float | None = None  # "15 - 20": low 15, high 20
    qualifier: str | None = None  # "at_least" | "more_than" | "about" | "at_most" | "less_than"
    per_year: bool = False  # "hàng năm thành lập mới ...": the target holds for each year

    @property
    def value(self) -> float:
        """The committed value: the low end of a range."""
        return self.low

    def text(self) -> str:
        number = fmt_number(self.low) if self.high is None else f"{fmt_number(self.low)}–{fmt_number(self.high)}"
        prefix = {"at_least": "≥ ", "more_than": "> ", "about": "~ ", "at_most": "≤ ", "less_than": "< "}
        return prefix.get(self.qualifier or "", "") + number


@dataclass(frozen=True)
class Indicator:
    name: str  # "Tỷ lệ số xã đạt chuẩn nông thôn mới"
    unit: str  # "%", "xã", "tiêu chí/xã", "triệu đồng/người/năm"
    targets: tuple[Target, ...]  # by year
    baseline: float | None = None
    baseline_year: int | None = None
    owner: str | None = None  # the agency, as written, when the plan names one
    district: str | None = None  # "Huyện Lục Nam" for a row of a per-district table
    direction: str = "up"  # "down" when lower is better ("tỷ lệ hộ nghèo giảm còn 3,5%")
    source: str = "text"  # "text" | "table" | "appendix"
    source_text: str = ""  # the sentence or row it was read from

    @property
    def key(self) -> str:
        """A stable ASCII key: name, unit and district ("ty-le-ho-ngheo|%")."""
        parts = [slugify(self.name), self.unit]
        if self.district:
            parts.append(slugify(self.district))
        return "|".join(parts)

    def to_json(self) -> dict[str, object]:
        """The shape of an indicator in `dondoc import --json`: name, unit, targets (year, value) and
        what else was read (a range's high end, the qualifier, the baseline, direction, source)."""
        return {
            "key": self.key,
            "name": self.name,
            "unit": self.unit,
            "targets": [
                {"year": t.year, "value": t.value, "high": t.high, "qualifier": t.qualifier, "per_year": t.per_year}
                for t in self.targets
            ],
            "baseline": self.baseline,
            "baseline_year": self.baseline_year,
            "direction": self.direction,
            "district": self.district,
            "owner": self.owner,
            "source": self.source,
            "source_text": self.source_text,
        }

    def target_for(self, year: int) -> Target | None:
        """The target in force in ``year``: the nearest horizon not yet passed, else the last."""
        if not self.targets:
            return None
        for target in self.targets:
            if target.year >= year:
                return target
        return self.targets[-1]


def name_key(name: str) -> str:
    """The ASCII slug indicators with the same name share ("Tỷ lệ hộ nghèo" -> "ty-le-ho-ngheo")."""
    return slugify(name)


def merge_indicators(items: Iterable[Indicator]) -> list[Indicator]:
    """One indicator per (name, unit, district): targets of every horizon, the first baseline."""
    merged: dict[tuple[str, str, str | None], Indicator] = {}
    for item in items:
        k = (name_key(item.name), item.unit, item.district)
        have = merged.get(k)
        if have is None:
            merged[k] = item
            continue
        years = {t.year: t for t in have.targets}
        for t in item.targets:
            years.setdefault(t.year, t)
        merged[k] = replace(
            have,
            targets=tuple(sorted(years.values(), key=lambda t: t.year)),
            baseline=have.baseline if have.baseline is not None else item.baseline,
            baseline_year=have.baseline_year if have.baseline is not None else item.baseline_year,
            owner=have.owner or item.owner,
        )
    return list(merged.values())


def extract_indicators(doc: PlanDocument, *, plan_year: int | None = None, title: str | None = None) -> list[Indicator]:
    """Text targets of the objectives section, then per-district tables (names shared when they match),
    then tables of indicators (tasks.indicators.target_table)."""
    from tasks.indicators.table import table_indicators
    from tasks.indicators.target_table import target_table_indicators
    from tasks.indicators.text import text_indicators

    text = text_indicators(doc.paragraphs, plan_year=plan_year, title=title)
    table = table_indicators(doc, text_indicators=text)
    return merge_indicators([*text, *table, *target_table_indicators(doc)])


def document_indicators(
    doc: PlanDocument, *, plan_year: int | None, title: str | None,
    appendix_rows: Iterable[tuple[str, Mapping[int, str], str | None]] = (),
) -> list[Indicator]:
    """Every indicator of a plan: its text and tables (``extract_indicators``), and the target
    columns of its task table's rows (``milestone_indicators``: (ref, {year: text}, lead text))."""
    found = extract_indicators(doc, plan_year=plan_year, title=title)
    return merge_indicators([*found, *milestone_indicators(appendix_rows)])


def milestone_indicators(rows: Iterable[tuple[str, Mapping[int, str], str | None]]) -> list[Indicator]:
    """From appendix rows: (task ref, {year: target text}, lead agency text) -> indicators with owner."""
    from tasks.indicators.text import clause_indicators

    found: list[Indicator] = []
    for ref, targets, lead in rows:
        owner = " ".join((lead or "").split()) or None
        for year, text in sorted(targets.items()):
            for line in text.splitlines():  # a cell often lists several targets, one per line
                for ind in clause_indicators(line, year=year):
                    found.append(replace(ind, owner=owner, source="appendix", source_text=f"{ref}: {line.strip()}"))
    return merge_indicators(found)


# --- progress --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorFact:
    """A value an agency reported for an indicator."""

    indicator_key: str
    value: float
    reported_on: date
    agency_name: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class IndicatorProgress:
    indicator: Indicator
    target: Target | None  # the horizon in force on as_of
    actual: IndicatorFact | None  # the latest value reported on or before as_of
    expected: float | None  # where it should be by as_of (linear from the baseline)
    percent_of_target: float | None  # actual / target * 100 (indicators where more is better)
    # "đạt chỉ tiêu" | "đúng tiến độ" | "chậm tiến độ" | "chưa đạt" (no line to judge by) |
    # "không đạt" (the horizon has passed) | "chưa có số liệu"
    verdict: str


def _fraction(start: date, end: date, as_of: date) -> float:
    span = (end - start).days
    if span <= 0:
        return 1.0
    return min(1.0, max(0.0, (as_of - start).days / span))


def expected_value(indicator: Indicator, target: Target, as_of: date) -> float | None:
    """Linear between the baseline (end of its year) and the target (end of its year).

    A per-year target starts from 0 on 1 January of the current year; without a baseline there
    is no line to follow and the answer is None.
    """
    if target.per_year:
        return target.value * _fraction(date(as_of.year - 1, 12, 31), date(as_of.year, 12, 31), as_of)
    if indicator.baseline is None:
        return None
    base_year = indicator.baseline_year if indicator.baseline_year is not None else target.year - 1
    start, end = date(base_year, 12, 31), date(target.year, 12, 31)
    return indicator.baseline + (target.value - indicator.baseline) * _fraction(start, end, as_of)


def _reached(indicator: Indicator, target: Target, value: float) -> bool:
    if indicator.direction == "down":
        return value < target.value if target.qualifier == "less_than" else value <= target.value
    return value > target.value if target.qualifier == "more_than" else value >= target.value


def progress(
    indicators: Sequence[Indicator], facts: Iterable[IndicatorFact], *, as_of: date
) -> list[IndicatorProgress]:
    """Each indicator against its target in force and against where it should be on ``as_of``."""
    latest: dict[str, IndicatorFact] = {}
    for fact in facts:
        if fact.reported_on > as_of:
            continue
        have = latest.get(fact.indicator_key)
        if have is None or fact.reported_on >= have.reported_on:
            latest[fact.indicator_key] = fact
    rows = []
    for ind in indicators:
        target = ind.target_for(as_of.year)
        actual = latest.get(ind.key)
        expected = expected_value(ind, target, as_of) if target else None
        share = None
        if actual is not None and target is not None and ind.direction == "up" and target.value:
            share = actual.value / target.value * 100
        if actual is None or target is None:
            verdict = "chưa có số liệu" if actual is None else "chưa đạt"
        elif _reached(ind, target, actual.value):
            verdict = "đạt chỉ tiêu"
        elif as_of > date(target.year, 12, 31) and not target.per_year:
            verdict = "không đạt"
        elif expected is None:
            verdict = "chưa đạt"
        elif (actual.value <= expected) if ind.direction == "down" else (actual.value >= expected):
            verdict = "đúng tiến độ"
        else:
            verdict = "chậm tiến độ"
        rows.append(IndicatorProgress(ind, target, actual, expected, share, verdict))
    return rows
