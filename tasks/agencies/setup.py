"""Today's directory of one of the 34 provinces: what ``dondoc province add SLUG`` writes. Pure: no database.

Built from the shipped data alone:

* the departments and bodies of ``config/agencies/reference/departments.yaml`` the province has
  (scope ``all`` unless it is ``not_in`` the province, ``optional`` ones it is ``only_in``, and
  those asked for with ``--with``), under their current names, in a centrally-run city with
  "Thành phố" for "tỉnh";
* the former bodies of the same file (Sở NN&PTNT, Sở KH&ĐT, ...) as dated former agencies: their
  last day and the agency of the province that carries their work now (``successor_key``);
* every commune of the province from the ``vietnam-provinces`` package as an agency of kind
  ``commune``: "UBND xã Lục Ngạn", with the official name ("Xã Lục Ngạn"), "Chủ tịch UBND xã
  Lục Ngạn" and, where no other name of the province claims it, the bare name as aliases;
* the groups and fillers of ``config/agencies/reference/groups.yaml``.

Mail addresses are placeholders under ``<slug>.example`` (``snnmt@bacninh.example``) outside
production, so a demo or a test has recipients; in production (``placeholder_addresses=False``)
they are left empty until the office gives the real ones: an agency without an address gets its
tasks and its link page but no mail, and the overview counts it among those without an address.
Either way a new province never mails anyone by accident.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from tasks.agencies.directory import REFORM_DAY, AgencyEntry, ProvinceDirectory
from tasks.agencies.match import phrase_keys
from tasks.agencies.provinces import (
    CommuneInfo,
    ProvinceInfo,
    UnknownProvinceError,
    communes,
    package_version,
    province,
)
from tasks.common.text import nfc, slugify

if TYPE_CHECKING:
    from tasks.agencies.directory_schema import GroupSpec
    from tasks.agencies.reference import Departments, ReferenceAgency

__all__ = ["GROUPS_FILE", "HEAD_PREFIX", "ProvinceSetup", "commune_entry", "commune_key", "former_province_successors",
           "province_setup", "setup_hint", "today_groups"]

GROUPS_FILE = Path(__file__).resolve().parents[2] / "config" / "agencies" / "reference" / "groups.yaml"
# the local part's prefix of a head's placeholder address, by kind (as standard.yaml's head_prefix)
HEAD_PREFIX = {"department": "giamdoc", "body": "thutruong", "mass_org": "chutich", "district": "chutich",
               "office": "chanhvanphong", "commune": "chutich"}
COMMUNE_GROUPS = {"xã": "xa", "phường": "phuong", "đặc khu": "dac_khu"}
LAST_DAY_OF_FORMER_PROVINCES = REFORM_DAY - dt.timedelta(days=1)
_TINH = re.compile(r"(?<!\w)tỉnh(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class TodayGroups:
    groups: tuple[GroupSpec, ...]
    fillers: tuple[str, ...]
    checked: dt.date


@dataclass(frozen=True)
class ProvinceSetup:
    """A current province's directory as shipped: what ``province add`` creates or brings up to date."""

    slug: str
    name: str  # "Bắc Ninh", "Hà Nội"
    city: bool
    email_domain: str
    leadership_name: str
    leadership_email: str
    agencies: tuple[AgencyEntry, ...]  # current bodies, former bodies (dated), communes
    groups: tuple[GroupSpec, ...]
    fillers: tuple[str, ...]
    version: str  # the data it was built from

    def directory(self) -> ProvinceDirectory:
        return ProvinceDirectory.build(
            slug=self.slug, name=self.name, agencies=self.agencies, groups=self.groups, fillers=self.fillers,
            leadership_name=self.leadership_name, leadership_email=self.leadership_email,
            email_domain=self.email_domain, source=f"province {self.slug}")

    @property
    def communes(self) -> list[AgencyEntry]:
        return [a for a in self.agencies if a.kind == "commune"]


@cache
def today_groups(path: Path = GROUPS_FILE) -> TodayGroups:
    """``groups.yaml`` read and checked (one :class:`~tasks.agencies.reference.ReferenceDataError` line if broken)."""
    from tasks.agencies.directory_schema import parse_today_groups
    from tasks.agencies.reference import ReferenceDataError
    from tasks.common.yaml_files import load_yaml_lines

    data, lines = load_yaml_lines(path, error=ReferenceDataError)
    spec = parse_today_groups(data, source=str(path), lines=lines, error=ReferenceDataError)
    return TodayGroups(groups=tuple(spec.groups), fillers=tuple(spec.fillers), checked=spec.checked)


def _localise(text: str, p: ProvinceInfo) -> str:
    """A name as the province writes it: "{province}" filled in, and in a city "Thành phố" for "tỉnh"."""
    text = nfc(text.replace("{province}", p.name))
    if not p.city:
        return text
    text = text.replace("Tỉnh đoàn", "Thành đoàn").replace("Tỉnh ủy", "Thành ủy")
    return _TINH.sub("Thành phố", text)


def email_domain(slug: str) -> str:
    return f"{slug.replace('-', '')}.example"


def _chosen(d: Departments, slug: str, with_codes: Collection[str], without_codes: Collection[str]) -> list[str]:
    """The codes of the current bodies the province has."""
    known = {a.code for a in d.entries if a.current}
    unknown = sorted((set(with_codes) | set(without_codes)) - known)
    if unknown:
        optional = ", ".join(a.code for a in d.entries if a.current and a.scope == "optional")
        raise UnknownProvinceError(f"unknown body {unknown[0]!r} (the optional ones: {optional})")
    chosen = []
    for a in d.entries:
        if not a.current or a.code in without_codes:
            continue
        has = (slug not in a.not_in) if a.scope == "all" else (slug in a.only_in)
        if has or a.code in with_codes:
            chosen.append(a.code)
    if "vpdp" not in chosen:
        raise UnknownProvinceError("the coordination office (vpdp) cannot be left out: dondoc works for it")
    return chosen


def _carrier(d: Departments, code: str, present: Collection[str]) -> str | None:
    """The body of the province that carries ``code``'s work today: its successor (through every
    step), or where the province has no such body, the one that does its work (``otherwise``)."""
    seen: set[str] = set()
    while code not in seen:
        seen.add(code)
        if code in present:
            return code
        a = d.get(code)
        if a.current:
            return a.otherwise if a.otherwise in present else None
        code = a.successor or ""
    return None


def _reference_entry(a: ReferenceAgency, p: ProvinceInfo, domain: str, successor: AgencyEntry | None,
                     successor_key: str | None) -> AgencyEntry:
    name = _localise(a.name, p)
    seen, aliases = {name.casefold()}, []
    for alias in a.aliases:
        alias = _localise(alias, p)
        if alias.casefold() not in seen:
            seen.add(alias.casefold())
            aliases.append(alias)
    prefix = a.head_title or HEAD_PREFIX[a.kind]
    return AgencyEntry(key=a.code, name=name, aliases=tuple(aliases), kind=a.kind, province=p.slug,
                       email=f"{a.code}@{domain}", head_email=f"{prefix}.{a.code}@{domain}", groups=tuple(a.groups),
                       successor=successor.name if successor is not None else None,
                       valid_from=a.directory_valid_from, valid_to=a.valid_to, successor_key=successor_key)


def commune_key(c: CommuneInfo, *, with_code: bool = False) -> str:
    """"xa-luc-ngan"; with its GSO code where two communes of a province fold to one key
    ("xa-loc-thanh-26..." for Lộc Thành and Lộc Thạnh)."""
    key = slugify(c.name)
    return f"{key}-{c.code}" if with_code else key


def commune_entry(c: CommuneInfo, p: ProvinceInfo, domain: str, *, bare_name: bool = True,
                  with_code: bool = False) -> AgencyEntry:
    """A commune as an agency: "UBND xã Lục Ngạn", aliases "Xã Lục Ngạn", "Chủ tịch UBND xã Lục
    Ngạn" and (``bare_name``) "Lục Ngạn"."""
    bare = c.name[len(c.kind):].strip()
    key = commune_key(c, with_code=with_code)
    aliases = [c.name, f"Chủ tịch UBND {c.kind} {bare}"]
    if bare_name:
        aliases.append(bare)
    return AgencyEntry(key=key, name=f"UBND {c.kind} {bare}", aliases=tuple(aliases), kind="commune",
                       province=p.slug, email=f"{key}@{domain}", head_email=f"chutich.{key}@{domain}",
                       groups=("cap_xa", COMMUNE_GROUPS[c.kind]), valid_from=REFORM_DAY)


def _phrase_key(phrase: str) -> tuple[str, ...]:
    return tuple(w.exact for w in phrase_keys(phrase))


def province_setup(slug: str, *, with_codes: Collection[str] = (), without_codes: Collection[str] = (),
                   placeholder_addresses: bool = True) -> ProvinceSetup:
    """The directory ``province add SLUG`` writes; a former province's slug names its successor
    (:class:`~tasks.agencies.provinces.UnknownProvinceError`, as for an unknown slug).
    ``placeholder_addresses``: ``<slug>.example`` addresses (outside production), else none."""
    from tasks.agencies.reference import departments

    p = province(slug)
    if not p.current:
        raise UnknownProvinceError(f"{slug!r} is a former province, part of {p.successor!r} since 01/07/2025: "
                                   f"dondoc province add {p.successor}")
    d = departments()
    groups = today_groups()
    domain = email_domain(slug)
    chosen = _chosen(d, slug, with_codes, without_codes)
    present = set(chosen)
    by_code: dict[str, AgencyEntry] = {}
    for code in chosen:  # current bodies first: the former ones name them as successors
        by_code[code] = _reference_entry(d.get(code), p, domain, None, None)
    for a in d.entries:
        if a.current:
            continue
        carrier = _carrier(d, a.code, present)
        by_code[a.code] = _reference_entry(a, p, domain, by_code.get(carrier or ""), carrier)
    agencies = [by_code[a.code] for a in d.entries if a.code in by_code]
    # a commune's bare name is an alias where no other name or phrase of the province claims it
    # ("Kinh Bắc" yes; a commune named as the province, or as a department's short form, no)
    taken = {_phrase_key(phrase) for a in agencies for phrase in (a.name, *a.aliases)}
    taken |= {_phrase_key(phrase.replace("{province}", p.name)) for g in groups.groups for phrase in g.phrases}
    taken |= {_phrase_key(phrase) for phrase in groups.fillers}
    taken.add(_phrase_key(p.name))
    own = communes(slug)
    keys = [commune_key(c) for c in own]
    agencies += [commune_entry(c, p, domain, bare_name=_phrase_key(c.name[len(c.kind):]) not in taken,
                               with_code=keys.count(key) > 1)
                 for c, key in zip(own, keys, strict=True)]
    city = "Thành phố" if p.city else "tỉnh"
    version = (f"vietnam-provinces {package_version()}; departments.yaml checked {d.checked.isoformat()}; "
               f"groups.yaml checked {groups.checked.isoformat()}")
    leadership_email = f"lanhdao@{domain}"
    if not placeholder_addresses:
        # a placeholder in production would be mail to a domain that cannot exist: no address at all
        agencies = [replace(a, email="", head_email="") for a in agencies]
        leadership_email = ""
    return ProvinceSetup(slug=slug, name=p.name, city=p.city, email_domain=domain,
                         leadership_name=f"Chủ tịch UBND {city} {p.name}", leadership_email=leadership_email,
                         agencies=tuple(agencies), groups=groups.groups, fillers=groups.fillers, version=version)


def former_province_successors(codes: Iterable[str], kinds: Mapping[str, str],
                               setup: ProvinceSetup) -> dict[str, str | None]:
    """For the agencies of a former province merged into ``setup``'s (their code -> kind): the key
    of the agency of ``setup`` that carries each one's work now, or None (a district UBND: its
    work went to several communes; a body ``setup`` does not have)."""
    from tasks.agencies.reference import departments

    d = departments()
    present = {a.key for a in setup.agencies if a.valid_to is None}
    known = {a.code for a in d.entries}
    out: dict[str, str | None] = {}
    for code in codes:
        if kinds.get(code) == "district" or code not in known:
            out[code] = None
        else:
            out[code] = _carrier(d, code, present)
    return out


def setup_hint(slug: str) -> str:
    """What to do about a province the directory does not have: "; set it up first: dondoc
    province add ha-noi", or for a former one the province it is part of; "" for an unknown slug."""
    try:
        p = province(slug)
    except UnknownProvinceError:
        return ""
    if not p.current:
        return f" ('{slug}' is part of '{p.successor}' since 01/07/2025: dondoc province add {p.successor})"
    return f" (set it up first: dondoc province add {slug})"
