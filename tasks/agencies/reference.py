"""Reference data on the 2025 reform, as pydantic models: the former provinces and the provincial departments.

Two dated files the project ships in ``config/agencies/reference/`` (not a province's directory:
:meth:`~tasks.agencies.directory.AgencyDirectory.load` reads only the YAML files directly in
``config/agencies/``):

* ``provinces_2025.yaml``: the 63 provinces until 30/06/2025 and the province each is part of
  since (Nghị quyết 202/2025/QH15). :mod:`tasks.agencies.provinces` joins it with today's 34
  from the ``vietnam-provinces`` package.
* ``departments.yaml``: the standard provincial departments (sở) and bodies after the reform
  (Nghị định 45/2025/NĐ-CP, then 150/2025/NĐ-CP), and the former ones with their successor.

A file that breaks a rule is one :class:`ReferenceDataError` line: "FILE[, line N]: what is wrong".
Pure: no database; pydantic is imported with this module, which is imported only when a file is read.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, Self, TypeVar

from pydantic import AfterValidator, BaseModel, Field, Strict, StrictBool, StrictInt, ValidationError, model_validator

from tasks.agencies.directory import Kind
from tasks.common.schema import Items, Section, Table, Text, error_line, fail, join, label, pick, problem, where
from tasks.common.text import fold, slugify
from tasks.common.yaml_files import YamlLines, load_yaml_lines

__all__ = ["DEPARTMENTS_FILE", "PROVINCES_FILE", "Departments", "DepartmentsFile", "FormerProvince",
           "ProvincesFile", "ReferenceAgency", "ReferenceDataError", "departments", "load_departments",
           "load_provinces_file"]

REFERENCE_ROOT = Path(__file__).resolve().parents[2] / "config" / "agencies" / "reference"
PROVINCES_FILE = REFERENCE_ROOT / "provinces_2025.yaml"
DEPARTMENTS_FILE = REFERENCE_ROOT / "departments.yaml"

M = TypeVar("M", bound=BaseModel)


class ReferenceDataError(ValueError):
    """A reference data file cannot be used; the message is one line naming the file."""


def _slug(value: str) -> str:
    if slugify(value) != value:
        fail(f"{value!r} is not a slug (lower-case ASCII words joined by '-', e.g. 'bac-ninh')")
    return value


Slug = Annotated[Text, AfterValidator(_slug)]
# a date written as a YAML date (2025-07-01); "01/07/2025" or a number is refused, not guessed at
Date = Annotated[dt.date, Strict()]


# -- provinces_2025.yaml ---------------------------------------------------------------------


class FormerProvince(Section):
    """A province as it was until 30/06/2025."""

    code: StrictInt = Field(ge=1)  # the former GSO code
    slug: Slug
    name: Text  # without "Tỉnh"/"Thành phố"
    successor: Slug  # the province it is part of from 01/07/2025; its own slug when it goes on

    @model_validator(mode="after")
    def _slug_is_the_folded_name(self) -> Self:
        if slugify(self.name) != self.slug:
            fail(f"slug {self.slug!r} is not the name {self.name!r} folded ({slugify(self.name)!r})", at=("slug",))
        return self


class ProvincesFile(Section):
    source: Text  # the resolution the successors come from
    valid_to: Date  # the former provinces' last day
    checked: Date
    provinces: Items[FormerProvince] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        seen_slugs: set[str] = set()
        seen_codes: set[int] = set()
        for i, p in enumerate(self.provinces):
            if p.slug in seen_slugs:
                fail(f"provinces[{i}]: slug {p.slug!r} is listed twice", at=("provinces", i, "slug"))
            if p.code in seen_codes:
                fail(f"provinces[{i}]: code {p.code} is listed twice", at=("provinces", i, "code"))
            seen_slugs.add(p.slug)
            seen_codes.add(p.code)
        going_on = {p.slug for p in self.provinces if p.successor == p.slug}
        for i, p in enumerate(self.provinces):
            if p.successor not in going_on:
                fail(f"provinces[{i}]: successor {p.successor!r} of {p.slug!r} is not a province that goes on "
                     "(listed with itself as successor)", at=("provinces", i, "successor"))
        return self


def load_provinces_file(path: Path = PROVINCES_FILE, *, current: Mapping[str, str] | None = None) -> ProvincesFile:
    """``provinces_2025.yaml`` read and checked.

    ``current`` (slug -> name of today's provinces, from the package) adds the check that the
    file agrees with it: the provinces that go on under their name are exactly today's, under
    the same name.
    """
    data, lines = load_yaml_lines(path, error=ReferenceDataError)
    spec = _validate(ProvincesFile, data, path, lines)
    if current is not None:
        _check_against_package(spec, current, path, lines)
    return spec


def _check_against_package(spec: ProvincesFile, current: Mapping[str, str], path: Path, lines: YamlLines) -> None:
    entries = {p.slug: (i, p) for i, p in enumerate(spec.provinces)}
    for i, p in enumerate(spec.provinces):
        if p.successor == p.slug and p.slug not in current:
            _fail(path, lines, ("provinces", i, "successor"),
                  f"provinces[{i}]: {p.slug!r} goes on under its name here but is not one of today's provinces "
                  f"(vietnam-provinces: {len(current)})")
        if p.successor == p.slug and fold(p.name) != fold(current[p.slug]):
            _fail(path, lines, ("provinces", i, "name"),
                  f"provinces[{i}]: name {p.name!r} differs from today's {current[p.slug]!r} (vietnam-provinces)")
    for slug in current:
        if slug not in entries:
            _fail(path, lines, ("provinces",), f"today's province {slug!r} (vietnam-provinces) is not listed")
        i, p = entries[slug]
        if p.successor != slug:
            _fail(path, lines, ("provinces", i, "successor"),
                  f"provinces[{i}]: today's province {slug!r} (vietnam-provinces) must be its own successor, "
                  f"not {p.successor!r}")


# -- departments.yaml ------------------------------------------------------------------------


class ReferenceAgency(Section):
    """A provincial department or body, current or former (the keys of ``standard.yaml``'s agencies and its dates)."""

    code: Text
    name: Text
    aliases: Items[Text] = Field(default_factory=list)
    kind: Kind
    groups: Items[Text] = Field(default_factory=list)
    head_title: Text | None = None
    scope: Literal["all", "optional"]  # every province has it, or only some
    only_in: Items[Slug] = Field(default_factory=list)  # the provinces that alone may have it (scope optional)
    not_in: Items[Slug] = Field(default_factory=list)  # the provinces that have other bodies instead (scope all)
    valid_from: Date | None = None  # None: a former body older than the reform
    valid_to: Date | None = None  # a former body's last day (inclusive)
    successor: Text | None = None  # the code of the body that took its work over
    # true: the body did not exist before valid_from (Sở NN&MT); false: it did, under this name,
    # and valid_from is the reform step that concerned it (Sở Tài chính, which took Sở KH&ĐT over)
    created_by_reform: StrictBool = False
    otherwise: Text | None = None  # where a province has no such body, the code of the one that does its work
    sources: Items[Text] = Field(min_length=1)
    note: Text | None = None

    @property
    def current(self) -> bool:
        return self.valid_to is None

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    @model_validator(mode="after")
    def _dates(self) -> Self:
        # a name matches plan text through fold(), which normalises; the stored name is shown and
        # compared as written, so an NFD name would show twice beside its NFC twin in the directory
        for j, phrase in enumerate([self.name, *self.aliases]):
            if not unicodedata.is_normalized("NFC", phrase):
                fail(f"{phrase!r} is not in NFC (Unicode composed form)", at=("aliases", j - 1) if j else ("name",))
        if (self.valid_to is None) != (self.successor is None):
            fail("a former body has both valid_to and successor, a current one neither",
                 at=("valid_to" if self.valid_to is not None else "successor",))
        if self.valid_to is None and self.valid_from is None:
            fail("a current body needs valid_from", at=("code",))
        if self.valid_from is not None and self.valid_to is not None and self.valid_to < self.valid_from:
            fail(f"valid_to {self.valid_to} is before valid_from {self.valid_from}", at=("valid_to",))
        if self.only_in and self.scope != "optional":
            fail("only_in goes with scope: optional", at=("only_in",))
        if self.not_in and self.scope != "all":
            fail("not_in goes with scope: all", at=("not_in",))
        if self.created_by_reform and self.valid_from is None:
            fail("created_by_reform needs valid_from, the day it was created", at=("created_by_reform",))
        return self

    @property
    def directory_valid_from(self) -> dt.date | None:
        """The first day in force as a directory dates it: None for a body older than its valid_from."""
        return self.valid_from if self.created_by_reform else None


class DepartmentsFile(Section):
    checked: Date
    sources: Table[Text, Text] = Field(min_length=1)
    agencies: Items[ReferenceAgency] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        by_code: dict[str, ReferenceAgency] = {}
        names: dict[str, str] = {}  # folded name or alias -> code
        for i, a in enumerate(self.agencies):
            if a.code in by_code:
                fail(f"agencies[{i}]: code {a.code!r} is listed twice", at=("agencies", i, "code"))
            by_code[a.code] = a
            for j, source in enumerate(a.sources):
                if source not in self.sources:
                    fail(f"agencies[{i}]: source {source!r} is not one of sources ({', '.join(self.sources)})",
                         at=("agencies", i, "sources", j))
            for j, phrase in enumerate([a.name, *a.aliases]):
                other = names.setdefault(fold(phrase), a.code)
                if other != a.code:
                    fail(f"agencies[{i}]: {phrase!r} also names {other!r}",
                         at=("agencies", i, *(("aliases", j - 1) if j else ("name",))))
        for i, a in enumerate(self.agencies):
            if a.otherwise is not None and (a.otherwise not in by_code or not by_code[a.otherwise].current
                                            or by_code[a.otherwise].scope != "all"):
                fail(f"agencies[{i}]: otherwise {a.otherwise!r} is not a current body every province has",
                     at=("agencies", i, "otherwise"))
            if a.successor is None or a.valid_to is None:
                continue
            nxt = by_code.get(a.successor)
            if nxt is None:
                fail(f"agencies[{i}]: successor {a.successor!r} is not a code of this file",
                     at=("agencies", i, "successor"))
            # the successor starts the day after: the chain of successors then always ends at a current body
            if nxt.valid_from != a.valid_to + dt.timedelta(days=1):
                fail(f"agencies[{i}]: successor {a.successor!r} must start the day after valid_to {a.valid_to} "
                     f"(its valid_from: {nxt.valid_from})", at=("agencies", i, "successor"))
        return self


@dataclass(frozen=True)
class Departments:
    """The departments file, checked: look-ups by code and date."""

    checked: dt.date
    sources: Mapping[str, str]
    entries: tuple[ReferenceAgency, ...]

    def get(self, code: str) -> ReferenceAgency:
        for a in self.entries:
            if a.code == code:
                return a
        raise LookupError(f"unknown department code {code!r}")

    def current(self, on: dt.date | None = None) -> list[ReferenceAgency]:
        """The bodies in place on ``on`` (default: today's, those without valid_to)."""
        return [a for a in self.entries if (a.current if on is None else a.valid_on(on))]

    def successor_of(self, code: str) -> ReferenceAgency:
        """The current body that carries a body's work on (itself when current), through every step."""
        a = self.get(code)
        while a.successor is not None:
            a = self.get(a.successor)
        return a


def load_departments(path: Path = DEPARTMENTS_FILE, *, provinces: Collection[str] | None = None) -> Departments:
    """``departments.yaml`` read and checked; ``provinces`` (today's slugs) checks ``only_in``."""
    data, lines = load_yaml_lines(path, error=ReferenceDataError)
    spec = _validate(DepartmentsFile, data, path, lines)
    if provinces is not None:
        for i, a in enumerate(spec.agencies):
            for key in ("only_in", "not_in"):
                for j, slug in enumerate(getattr(a, key)):
                    if slug not in provinces:
                        _fail(path, lines, ("agencies", i, key, j),
                              f"agencies[{i}].{key}: {slug!r} is not one of today's provinces")
    return Departments(checked=spec.checked, sources=dict(spec.sources), entries=tuple(spec.agencies))


@cache
def departments() -> Departments:
    """The shipped departments file, read once, its ``only_in`` checked against today's provinces."""
    from tasks.agencies.provinces import current_slugs

    return load_departments(provinces=current_slugs())


# -- one line per problem --------------------------------------------------------------------


def _validate(model: type[M], data: Any, path: Path, lines: YamlLines) -> M:
    try:
        return model.model_validate({} if data is None else data)
    except ValidationError as exc:
        err = pick(exc)
        loc, text = problem(err, model)
        if not err["loc"] and err["type"] == "model_type":
            text = "expected a mapping at the top level"
        elif err["type"] in ("date_type", "date_parsing", "date_from_datetime_parsing"):
            text = f"must be a date written YYYY-MM-DD, got {err.get('input')!r}"
        raise ReferenceDataError(f"{where(str(path), error_line(err, lines))}: {join(label(loc), text)}") from None


def _fail(path: Path, lines: YamlLines, loc: tuple[Any, ...], message: str) -> NoReturn:
    raise ReferenceDataError(f"{where(str(path), lines.line(loc))}: {message}")
