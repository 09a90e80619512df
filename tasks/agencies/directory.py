"""Agency directory: loading config/agencies/*.yaml and resolving the names plans use.

Pure: no database, no Prefect. ``standard.yaml`` is a template of provincial departments and
bodies instantiated for every province file next to it; a province file adds its district
UBNDs, its own bodies and groups, overrides and odd spellings. These four sample provinces are
the directories of 2018-2023 (their entries carry no dates) and resolve as they always did.

A province set up with ``dondoc province add`` has a dated directory (:meth:`ProvinceDirectory.build`,
from the database): each agency has ``valid_from``/``valid_to`` and the successor that took its
work over, communes are agencies, and a directory bound to a day (:meth:`ProvinceDirectory.on`)
resolves and expands groups against the agencies in force that day only. A name of an agency
not in force is never mapped to another one: it is reported unresolved, with the reason.

``ProvinceDirectory.resolve_cell`` turns a table cell such as "Sở KH&ĐT, NN&PTNT, VPĐP" or
"Sở, ngành, UBND huyện, TP" into agencies (groups expanded) plus the parts it could not
resolve, as written; in a sample directory commune-level wording ("UBND các xã") is always
among the latter, since it holds no communes.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn, get_args

from tasks.agencies.match import Hit, PhraseIndex, Target, phrase_keys, scan
from tasks.common.text import fold, nfc, slugify

if TYPE_CHECKING:  # the models are imported when a directory is read: pydantic is not needed before
    from tasks.agencies.directory_schema import AgencySpec, DistrictSpec, GroupSpec, ProvinceSpec, StandardSpec
    from tasks.common.yaml_files import YamlLines

__all__ = ["REFORM_DAY", "AgencyDirectory", "AgencyDirectoryError", "AgencyEntry", "CellResolution", "DatedProvince",
           "ProvinceDirectory"]

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "config" / "agencies"
Kind = Literal["department", "body", "mass_org", "district", "commune", "commune_group", "office"]
KINDS = frozenset(get_args(Kind))
# a well-formed address: something@domain.tld (no spaces, one @)
ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
DistrictType = Literal["huyen", "thanh_pho", "thi_xa"]
DISTRICT_TYPES = {"huyen": ("huyện", "huyện"), "thanh_pho": ("thành phố", "TP"), "thi_xa": ("thị xã", "TX")}
# where in a province file an agency or group is written (("agencies", 3)); None: in standard.yaml
Loc = tuple[Hashable, ...] | None
# 1 July 2025: 34 provinces, no district level, the communes report to the province (Nghị quyết 202/2025/QH15)
REFORM_DAY = date(2025, 7, 1)


@dataclass(frozen=True)
class AgencyEntry:
    key: str  # unique within a province, e.g. "snnptnt", "ubnd-huyen-tan-yen"
    name: str  # official full name
    aliases: tuple[str, ...]
    kind: str
    province: str  # province slug
    email: str
    head_email: str
    groups: tuple[str, ...]
    successor: str | None = None  # the 2025 successor's name, when merged or renamed
    # dated directories only (a sample province's entries have none): the first and last day in
    # force (None: open) and the key of the entry that took its work over
    valid_from: date | None = None
    valid_to: date | None = None
    successor_key: str | None = None

    def in_force(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass
class CellResolution:
    agencies: list[AgencyEntry] = field(default_factory=list)  # in order of appearance, de-duplicated
    unresolved: list[str] = field(default_factory=list)  # parts of the cell not resolved, as written (NFC)
    # why an unresolved part was not resolved, where the directory knows (an agency no longer in
    # force, wording of the abolished district level): part as written -> reason
    reasons: dict[str, str] = field(default_factory=dict)


class AgencyDirectoryError(ValueError):
    """A directory file the office edited cannot be used; the message is one line naming the file."""


class ProvinceDirectory:
    """One province's agencies, groups and name index."""

    def __init__(self, standard: StandardSpec | Mapping[str, Any], spec: ProvinceSpec | Mapping[str, Any],
                 source: str = "", *, example_addresses_only: bool = True, lines: YamlLines | None = None) -> None:
        """``standard`` and ``spec`` as read from the files (checked here) or already checked.

        ``source`` names the province file in errors, ``lines`` gives its entries' lines; every
        problem is an :class:`AgencyDirectoryError`.
        """
        from tasks.agencies.directory_schema import ProvinceSpec, StandardSpec, parse_province, parse_standard

        slug = spec.get("slug") if isinstance(spec, Mapping) else getattr(spec, "slug", None)
        self._where = source or str(slug or "?")
        self._lines = lines
        if not isinstance(standard, StandardSpec):
            standard = parse_standard(standard, source=f"{self._where} (standard agencies)",
                                      example_addresses_only=example_addresses_only)
        if not isinstance(spec, ProvinceSpec):
            spec = parse_province(spec, source=self._where, lines=lines, example_addresses_only=example_addresses_only)
        self.slug: str = spec.slug
        self.name: str = spec.name
        self.email_domain: str = spec.email_domain
        self.leadership_name: str = spec.leadership.name
        self.leadership_email: str = spec.leadership.email
        self._head_prefix: dict[Kind, str] = dict(standard.head_prefix)
        self._district_names: dict[str, str] = {}  # code -> district name, for a group's members
        specs: list[tuple[AgencySpec, Loc]] = [
            *((a, None) for a in standard.agencies),
            *((self._district_spec(d), ("districts", i)) for i, d in enumerate(spec.districts)),
            *((a, ("agencies", i)) for i, a in enumerate(spec.agencies)),
        ]
        specs = [(a.model_copy(update=spec.overrides[a.code].changes()) if a.code in spec.overrides else a, loc)
                 for a, loc in specs]
        excluded = {a.code for a, _ in specs if a.exclude}
        specs = [(a, loc) for a, loc in specs if a.code not in excluded]
        groups: list[tuple[GroupSpec, Loc]] = [
            *((g, None) for g in standard.groups),
            *((g, ("groups", i)) for i, g in enumerate(spec.groups)),
        ]
        tags = self._group_tags([a for a, _ in specs], groups)
        self.agencies: list[AgencyEntry] = [self._entry(a, spec.extra_aliases.get(a.code, []), tags) for a, _ in specs]
        self._by_key = {a.key: a for a in self.agencies}
        self._groups = {g.code: g for g, _ in groups}
        self._successor_primary = {a.code: a.primary_successor for a, _ in specs}
        self._dated = False
        self.as_of: date | None = None
        self._validate(specs, spec, excluded)
        self._build_index([g for g, _ in groups], standard.fillers)
        self._province_words = tuple(w.fuzzy for w in phrase_keys(self.name))
        offices = [a for a in self.agencies if a.kind == "office"]
        if len(offices) != 1:
            self._fail(f"expected exactly one agency of kind 'office', found {len(offices)}")
        self.office: AgencyEntry = offices[0]

    @classmethod
    def build(cls, *, slug: str, name: str, agencies: Iterable[AgencyEntry], groups: Iterable[GroupSpec],
              fillers: Iterable[str], leadership_name: str, leadership_email: str, email_domain: str,
              source: str = "") -> ProvinceDirectory:
        """A dated directory from entries already checked (a province set up in the database).

        Groups are expanded through the entries' ``groups`` tags (communes included); a phrase
        two agencies claim resolves to neither, rather than stopping the import of every plan.
        """
        self = cls.__new__(cls)
        self._where, self._lines = source or slug, None
        self.slug, self.name, self.email_domain = slug, name, email_domain
        self.leadership_name, self.leadership_email = leadership_name, leadership_email
        self._head_prefix, self._district_names, self._successor_primary = {}, {}, {}
        self.agencies = list(agencies)
        self._by_key = {a.key: a for a in self.agencies}
        if len(self._by_key) != len(self.agencies):
            keys = [a.key for a in self.agencies]
            self._fail(f"duplicate agency keys {sorted({k for k in keys if keys.count(k) > 1})}")
        group_list = list(groups)
        self._groups = {g.code: g for g in group_list}
        self._dated = True
        self.as_of = None
        self._build_index(group_list, list(fillers))
        self._province_words = tuple(w.fuzzy for w in phrase_keys(self.name))
        offices = [a for a in self.agencies if a.kind == "office"]
        if len(offices) != 1:
            self._fail(f"expected exactly one agency of kind 'office', found {len(offices)}")
        self.office = offices[0]
        return self

    def on(self, day: date) -> ProvinceDirectory:
        """This directory as it stood on ``day``: what resolves and what a group stands for.

        A sample province's directory (no dates) is the same on every day.
        """
        bound = copy.copy(self)  # shares the index and the entries
        bound.as_of = day
        return bound

    def in_force(self, day: date | None = None) -> list[AgencyEntry]:
        """The agencies in force on ``day`` (default: the day the directory is bound to; unbound: all)."""
        day = day or self.as_of
        return [a for a in self.agencies if day is None or a.in_force(day)]

    # -- construction -------------------------------------------------------------------

    def _fail(self, message: str, loc: Loc = None) -> NoReturn:
        """One line naming the province file and, for an entry written in it, the entry's line."""
        line = self._lines.line(loc) if self._lines is not None and loc else None
        raise AgencyDirectoryError(f"{self._where}{'' if line is None else f', line {line}'}: {message}")

    def _district_spec(self, d: DistrictSpec) -> AgencySpec:
        """A district-level unit as an agency: "UBND huyện X" / "UBND thành phố X"."""
        from tasks.agencies.directory_schema import AgencySpec

        x = d.name
        full, short = DISTRICT_TYPES[d.type]
        aliases = [f"UBND {full} {x}", f"{full} {x}", f"UBND {short} {x}", f"{short} {x}"]
        if fold(x) != fold(self.name):  # a bare "Bến Tre" means the province, not its city
            aliases.append(x)
        code = slugify(f"UBND {short} {x}")
        self._district_names[code] = x
        # built from checked parts: a slug code, the district's checked name, aliases and head title
        return AgencySpec.model_construct(code=code, name=f"UBND {full} {x}", aliases=aliases + d.aliases,
                                          kind="district", groups=["huyen"], head_title=d.head_title)

    def _group_tags(self, specs: list[AgencySpec], groups: list[tuple[GroupSpec, Loc]]) -> dict[str, list[str]]:
        """Extra group tags given by a group's explicit ``members`` (codes or district names)."""
        tags: dict[str, list[str]] = {}
        by_name = {fold(self._district_names.get(a.code, a.code)): a.code for a in specs}
        codes = {a.code for a in specs}
        for g, loc in groups:
            for i, member in enumerate(g.members):
                code = member if member in codes else by_name.get(fold(member))
                if code is None:
                    self._fail(f"group {g.code!r} names unknown member {member!r}",
                               None if loc is None else (*loc, "members", i))
                tags.setdefault(code, []).append(g.code)
        return tags

    def _entry(self, a: AgencySpec, extra: list[str], tags: dict[str, list[str]]) -> AgencyEntry:
        key = a.code
        name = nfc(a.name.replace("{province}", self.name))
        seen, aliases = {name.casefold()}, []  # punctuation kept: "A, B" and "A - B" match differently
        for alias in [*a.aliases, *extra]:
            alias = nfc(alias.replace("{province}", self.name))
            if alias.casefold() not in seen:
                seen.add(alias.casefold())
                aliases.append(alias)
        prefix = a.head_title or self._head_prefix.get(a.kind, "thutruong")
        return AgencyEntry(
            key=key,
            name=name,
            aliases=tuple(aliases),
            kind=a.kind,
            province=self.slug,
            email=a.email or f"{key}@{self.email_domain}",
            head_email=a.head_email or f"{prefix}.{key}@{self.email_domain}",
            groups=tuple(dict.fromkeys([*a.groups, *tags.get(key, [])])),
            successor=a.merged_into or a.renamed_to,
        )

    def _validate(self, specs: list[tuple[AgencySpec, Loc]], spec: ProvinceSpec, excluded: set[str]) -> None:
        """What the two files must agree on (each file's shape and addresses are checked by its model)."""
        keys = [a.code for a, _ in specs]
        seen: set[str] = set()
        for a, loc in specs:
            if a.code in seen:  # standard.yaml's agencies come first: a repeat is on the province file's line
                dupes = sorted({k for k in keys if keys.count(k) > 1})
                self._fail(f"duplicate agency keys {dupes}", loc)
            seen.add(a.code)
        for section in ("overrides", "extra_aliases"):
            unknown = sorted(set(getattr(spec, section)) - excluded - seen)
            if unknown:
                self._fail(f"overrides/extra_aliases for unknown agencies {unknown}", (section, unknown[0]))

    def _build_index(self, groups: list[GroupSpec], fillers: list[str]) -> None:
        self._index = PhraseIndex()
        self._short = PhraseIndex()  # "Y tế" after "Sở Công thương, ..."
        for a in self.agencies:
            for phrase in (a.name, *a.aliases):
                self._index.add(phrase, ("entry", a.key))
                if fold(phrase).startswith("sở "):
                    self._short.add(phrase.split(None, 1)[1], ("entry", a.key))
        self._group_notes = {g.code: g.note or "" for g in groups if g.kind == "abolished"}
        for g in groups:
            kind = {"commune_group": "commune", "abolished": "abolished"}.get(g.kind, "group")
            target: Target = (kind, g.code)
            for phrase in g.phrases:
                self._index.add(phrase.replace("{province}", self.name), target)
        for phrase in fillers:
            self._index.add(phrase, ("filler", ""))
        # phrases two targets claim: refused in a sample directory (below); in a dated one they resolve to neither
        self.conflicts = list(self._index.conflicts)
        if self._dated:  # every name is an entry of its own, dated: none stands in for another
            return
        # A 2025 successor name resolves to the entry that carries it (the primary one if shared).
        for succ in dict.fromkeys(a.successor for a in self.agencies if a.successor):
            if self._index.lookup(succ) is not None:
                continue
            carriers = [a for a in self.agencies if a.successor == succ]
            primary = [a for a in carriers if self._successor_primary.get(a.key)]
            if len(primary) != 1 and len(carriers) != 1:
                self._fail(f"successor {succ!r} is shared; mark one entry primary_successor")
            self._index.add(succ, ("entry", (primary or carriers)[0].key))
        if self._index.conflicts:
            lines = [f"{p!r}: {a} vs {b}" for p, a, b in self._index.conflicts]
            self._fail("ambiguous names: " + "; ".join(lines))

    # -- queries ------------------------------------------------------------------------

    def get(self, key: str) -> AgencyEntry:
        try:
            return self._by_key[key]
        except KeyError:
            raise KeyError(f"no agency {key!r} in province {self.slug!r}") from None

    def group_members(self, group: str) -> list[AgencyEntry]:
        """Agencies a group stands for (by group code or tag), those in force on the directory's
        day when it is bound to one; a sample directory's commune groups have none."""
        if group not in self._groups and not any(group in a.groups for a in self.agencies):
            raise KeyError(f"no group {group!r} in province {self.slug!r}")
        return [a for a in self.in_force() if group in a.groups]

    def not_in_force_reason(self, entry: AgencyEntry) -> str:
        """Why ``entry`` does not resolve on the directory's day: "Sở ... ended on 28/02/2025; ..."."""
        from tasks.common.dates import fmt_date

        day = self.as_of
        if day is not None and entry.valid_to is not None and day > entry.valid_to:
            successor = self._by_key.get(entry.successor_key or "")
            now = successor.name if successor is not None else entry.successor
            return (f"{entry.name} ended on {fmt_date(entry.valid_to)}"
                    + (f"; its work went to {now}" if now else "") + ": not mapped, name today's agency")
        since = fmt_date(entry.valid_from) if entry.valid_from else "?"
        return f"{entry.name} exists only from {since}"

    def _scan(self, text: str, short: bool = True) -> list[Hit]:
        def continues(target: Target) -> bool:
            return target[0] == "entry" and fold(self._by_key[target[1]].name).startswith("sở ")

        return scan(text, self._index, self._short if short else None, continues, self._province_words)

    def resolve_name(self, name: str) -> AgencyEntry | None:
        """The one agency a name denotes (name, alias or 2025 successor), else None."""
        hits = [h for h in self._scan(name, short=False) if h.target != ("filler", "")]
        if len(hits) == 1 and hits[0].target and hits[0].target[0] == "entry":
            return self._by_key[hits[0].target[1]]
        return None

    def resolve_cell(self, text: str) -> CellResolution:
        """Agencies named in a table cell, groups expanded; what it cannot resolve, as written."""
        result = CellResolution()
        seen: set[str] = set()
        for hit in self._scan(text):
            target = hit.target
            if target is None or target[0] in ("unresolved", "commune"):
                result.unresolved.append(hit.text)
                continue
            if target[0] == "abolished":  # wording of a level of government that is gone
                result.unresolved.append(hit.text)
                result.reasons[hit.text] = self._group_notes.get(target[1], "")
                continue
            if target[0] == "entry":
                entry = self._by_key[target[1]]
                if self.as_of is not None and not entry.in_force(self.as_of):
                    # flagged, never mapped to its successor: the office decides who does it now
                    result.unresolved.append(hit.text)
                    result.reasons[hit.text] = self.not_in_force_reason(entry)
                    continue
                members = [entry]
            elif target[0] == "group":
                members = self.group_members(target[1])
            else:  # filler
                members = []
            for a in members:
                if a.key not in seen:
                    seen.add(a.key)
                    result.agencies.append(a)
        return result

    def is_commune_wording(self, text: str) -> bool:
        """True for commune-level wording ("UBND 23 xã", "các xã, thôn") the directory cannot resolve."""
        hits = [h for h in self._scan(text, short=False) if h.target != ("filler", "")]
        return bool(hits) and all(h.target is not None and h.target[0] == "commune" for h in hits)

    def __repr__(self) -> str:
        return f"ProvinceDirectory({self.slug!r}, {len(self.agencies)} agencies)"


@dataclass
class DatedProvince:
    """A province set up with ``dondoc province add``: its name, and its dated directory, read on first use."""

    slug: str
    name: str
    load: Callable[[], ProvinceDirectory]
    _directory: ProvinceDirectory | None = field(default=None, repr=False)

    def directory(self) -> ProvinceDirectory:
        if self._directory is None:
            self._directory = self.load()
        return self._directory


class AgencyDirectory:
    """All provinces of a config folder (``standard.yaml`` plus one file per province: the
    sample directories of 2018-2023), and the provinces set up with their dated directory.

    Which one a plan resolves against (:meth:`province`): a plan issued before 1 July 2025 in a
    sample province, the sample directory, as always; any other plan of a province that was set
    up, its dated directory as of the plan's date, or of ``today`` for a plan issued since the
    reform (today's directory only).
    """

    def __init__(self, provinces: dict[str, ProvinceDirectory], dated: Mapping[str, DatedProvince] | None = None,
                 today: date | None = None) -> None:
        self._provinces = provinces
        self._dated: dict[str, DatedProvince] = dict(dated or {})
        self.today = today
        self.provinces: list[str] = [*provinces, *(slug for slug in self._dated if slug not in provinces)]

    def with_dated(self, dated: Mapping[str, DatedProvince], *, today: date | None = None) -> AgencyDirectory:
        """These sample directories together with the provinces that were set up."""
        return AgencyDirectory(self._provinces, dated, today)

    @property
    def dated(self) -> list[str]:
        """The provinces set up with a dated directory."""
        return list(self._dated)

    @classmethod
    def load(cls, root: Path | None = None, *, example_addresses_only: bool = True) -> AgencyDirectory:
        """Read a config folder; any problem is an :class:`AgencyDirectoryError` naming the file.

        ``example_addresses_only`` refuses every address outside ``*.example`` (all but production).
        """
        from tasks.agencies.directory_schema import parse_standard
        from tasks.common.yaml_files import load_yaml_lines

        root = Path(root) if root is not None else DEFAULT_ROOT
        standard_path = root / "standard.yaml"
        if not standard_path.is_file():
            raise AgencyDirectoryError(f"no standard.yaml in agency config folder {root}")
        data, lines = load_yaml_lines(standard_path, error=AgencyDirectoryError)
        standard = parse_standard(data, source=str(standard_path), lines=lines,
                                  example_addresses_only=example_addresses_only)
        provinces: dict[str, ProvinceDirectory] = {}
        for path in sorted(root.glob("*.yaml")):
            if path.name == standard_path.name:
                continue
            data, lines = load_yaml_lines(path, error=AgencyDirectoryError)
            try:
                prov = ProvinceDirectory(standard, {} if data is None else data, source=str(path), lines=lines,
                                         example_addresses_only=example_addresses_only)
            except AgencyDirectoryError:
                raise
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                # the models let nothing of the wrong shape through; were one to slip by, still one line
                raise AgencyDirectoryError(f"{path}: malformed entry ({type(exc).__name__}: {exc})") from None
            if prov.slug in provinces:
                line = lines.line(("slug",))
                raise AgencyDirectoryError(f"{path}{'' if line is None else f', line {line}'}: "
                                           f"province slug {prov.slug!r} defined twice")
            provinces[prov.slug] = prov
        return cls(provinces)

    def province(self, slug: str, on: date | None = None) -> ProvinceDirectory:
        """The directory a plan of ``slug`` issued on ``on`` resolves against (see the class).

        Without a date: the sample directory of a sample province that was not set up, else today's.
        """
        dated = self._dated.get(slug)
        sample = self._provinces.get(slug)
        if dated is not None and (sample is None or on is None or on >= REFORM_DAY):
            from tasks.common.dates import local_today

            today = self.today or local_today()
            return dated.directory().on(on if on is not None and on < REFORM_DAY else today)
        if sample is not None:
            return sample
        known = ", ".join(self.provinces) or "none"
        raise KeyError(f"unknown province {slug!r}; known provinces: {known}")

    def infer_province(self, text: str) -> str | None:
        """The province a document's head names most often ("tỉnh Bắc Giang", "Bến Tre, ngày ...").

        Ties go to the province named first; None when no known province is named.
        """
        folded = fold(text)
        best: tuple[int, int, str] | None = None  # (-count, first position, slug)
        names = {slug: prov.name for slug, prov in self._provinces.items()}
        names.update((slug, p.name) for slug, p in self._dated.items() if slug not in names)
        for slug, name in names.items():
            found = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(fold(name))}(?!\w)", folded)]
            if found and (best is None or (-len(found), found[0]) < best[:2]):
                best = (-len(found), found[0], slug)
        return best[2] if best else None
