"""Agency directory: loading config/agencies/*.yaml and resolving the names plans use.

Pure: no database, no Prefect. ``standard.yaml`` is a template of provincial departments and
bodies instantiated for every province file next to it; a province file adds its district
UBNDs, its own bodies and groups, overrides and odd spellings.

``ProvinceDirectory.resolve_cell`` turns a table cell such as "Sở KH&ĐT, NN&PTNT, VPĐP" or
"Sở, ngành, UBND huyện, TP" into agencies (groups expanded) plus the parts it could not
resolve, as written; commune-level wording ("UBND các xã") is always among the latter, since
the directory holds no communes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.agencies.match import Hit, PhraseIndex, Target, phrase_keys, scan
from tasks.common.text import fold, nfc, slugify
from tasks.common.yaml_files import load_yaml

__all__ = ["AgencyDirectory", "AgencyDirectoryError", "AgencyEntry", "CellResolution", "ProvinceDirectory"]

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "config" / "agencies"
KINDS = frozenset({"department", "body", "mass_org", "district", "commune_group", "office"})
# a well-formed address: something@domain.tld (no spaces, one @)
ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
DISTRICT_TYPES = {"huyen": ("huyện", "huyện"), "thanh_pho": ("thành phố", "TP"), "thi_xa": ("thị xã", "TX")}


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


@dataclass
class CellResolution:
    agencies: list[AgencyEntry] = field(default_factory=list)  # in order of appearance, de-duplicated
    unresolved: list[str] = field(default_factory=list)  # parts of the cell not resolved, as written (NFC)


class AgencyDirectoryError(ValueError):
    """A directory file the office edited cannot be used; the message is one line naming the file."""


def _read_yaml(path: Path) -> dict[str, Any]:
    data = load_yaml(path, error=AgencyDirectoryError) or {}
    if not isinstance(data, dict):
        raise AgencyDirectoryError(f"{path}: expected a mapping at the top level")
    return data


class ProvinceDirectory:
    """One province's agencies, groups and name index."""

    def __init__(self, standard: dict[str, Any], spec: dict[str, Any], source: str = "", *,
                 example_addresses_only: bool = True) -> None:
        where = source or spec.get("slug", "?")
        try:
            self.slug: str = spec["slug"]
            self.name: str = spec["name"]
            self.email_domain: str = spec["email_domain"]
            self.leadership_name: str = spec["leadership"]["name"]
            self.leadership_email: str = spec["leadership"]["email"]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{where}: missing field {exc}") from exc
        self._head_prefix: dict[str, str] = standard.get("head_prefix", {})
        overrides: dict[str, dict[str, Any]] = spec.get("overrides") or {}
        extra: dict[str, list[str]] = spec.get("extra_aliases") or {}
        specs = [
            *standard.get("agencies", []),
            *(self._district_spec(d, where) for d in spec.get("districts", [])),
            *(spec.get("agencies") or []),
        ]
        specs = [dict(a, **overrides.get(a["code"], {})) for a in specs]
        excluded = {a["code"] for a in specs if a.get("exclude")}
        specs = [a for a in specs if a["code"] not in excluded]
        groups = list(standard.get("groups", [])) + list(spec.get("groups") or [])
        tags = self._group_tags(specs, groups, where)
        self.agencies: list[AgencyEntry] = [self._entry(a, extra.get(a["code"], []), tags) for a in specs]
        self._by_key = {a.key: a for a in self.agencies}
        self._groups = {g["code"]: g for g in groups}
        self._successor_primary = {a["code"]: bool(a.get("primary_successor")) for a in specs}
        self._validate(where, (set(extra) | set(overrides)) - excluded, example_addresses_only)
        self._build_index(groups, standard.get("fillers", []), where)
        self._province_words = tuple(w.fuzzy for w in phrase_keys(self.name))
        offices = [a for a in self.agencies if a.kind == "office"]
        if len(offices) != 1:
            raise ValueError(f"{where}: expected exactly one agency of kind 'office', found {len(offices)}")
        self.office: AgencyEntry = offices[0]

    # -- construction -------------------------------------------------------------------

    def _district_spec(self, item: str | dict[str, Any], where: str) -> dict[str, Any]:
        """A district-level unit as an agency: "UBND huyện X" / "UBND thành phố X"."""
        d = {"name": item} if isinstance(item, str) else dict(item)
        x, dtype = d["name"], d.get("type", "huyen")
        if dtype not in DISTRICT_TYPES:
            raise ValueError(f"{where}: district {x!r} has unknown type {dtype!r} ({', '.join(DISTRICT_TYPES)})")
        full, short = DISTRICT_TYPES[dtype]
        aliases = [f"UBND {full} {x}", f"{full} {x}", f"UBND {short} {x}", f"{short} {x}"]
        if fold(x) != fold(self.name):  # a bare "Bến Tre" means the province, not its city
            aliases.append(x)
        return {
            "code": slugify(f"UBND {short} {x}"),
            "name": f"UBND {full} {x}",
            "aliases": aliases + list(d.get("aliases", [])),
            "kind": "district",
            "groups": ["huyen"],
            "head_title": d.get("head_title", "chutich"),
            "district_name": x,
        }

    def _group_tags(self, specs: list[dict[str, Any]], groups: list[dict[str, Any]], where: str) -> dict[str, list[str]]:
        """Extra group tags given by a group's explicit ``members`` (codes or district names)."""
        tags: dict[str, list[str]] = {}
        by_name = {fold(a.get("district_name", a["code"])): a["code"] for a in specs}
        codes = {a["code"] for a in specs}
        for g in groups:
            for member in g.get("members", []):
                code = member if member in codes else by_name.get(fold(member))
                if code is None:
                    raise ValueError(f"{where}: group {g['code']!r} names unknown member {member!r}")
                tags.setdefault(code, []).append(g["code"])
        return tags

    def _entry(self, a: dict[str, Any], extra: list[str], tags: dict[str, list[str]]) -> AgencyEntry:
        key = a["code"]
        name = nfc(a["name"].replace("{province}", self.name))
        seen, aliases = {name.casefold()}, []  # punctuation kept: "A, B" and "A - B" match differently
        for alias in [*(a.get("aliases") or []), *extra]:
            alias = nfc(alias.replace("{province}", self.name))
            if alias.casefold() not in seen:
                seen.add(alias.casefold())
                aliases.append(alias)
        prefix = a.get("head_title") or self._head_prefix.get(a["kind"], "thutruong")
        return AgencyEntry(
            key=key,
            name=name,
            aliases=tuple(aliases),
            kind=a["kind"],
            province=self.slug,
            email=a.get("email") or f"{key}@{self.email_domain}",
            head_email=a.get("head_email") or f"{prefix}.{key}@{self.email_domain}",
            groups=tuple(dict.fromkeys([*(a.get("groups") or []), *tags.get(key, [])])),
            successor=a.get("merged_into") or a.get("renamed_to"),
        )

    def _validate(self, where: str, referenced: set[str], example_addresses_only: bool) -> None:
        keys = [a.key for a in self.agencies]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"{where}: duplicate agency keys {dupes}")
        unknown = sorted(referenced - set(keys))
        if unknown:
            raise ValueError(f"{where}: overrides/extra_aliases for unknown agencies {unknown}")
        for a in self.agencies:
            if a.kind not in KINDS:
                raise ValueError(f"{where}: agency {a.key!r} has unknown kind {a.kind!r}")
        for addr in [self.leadership_email] + [e for a in self.agencies for e in (a.email, a.head_email)]:
            if not isinstance(addr, str) or not ADDRESS.fullmatch(addr):
                raise ValueError(f"{where}: {addr!r} is not an e-mail address")
            # outside production the directory may only name example mailboxes, so a demo or a
            # test run can never mail a real department
            if example_addresses_only and not addr.endswith(".example"):
                raise ValueError(f"{where}: address {addr!r} must use an example domain (*.example) "
                                 "unless DONDOC_ENV=production")

    def _build_index(self, groups: list[dict[str, Any]], fillers: list[str], where: str) -> None:
        self._index = PhraseIndex()
        self._short = PhraseIndex()  # "Y tế" after "Sở Công thương, ..."
        for a in self.agencies:
            for phrase in (a.name, *a.aliases):
                self._index.add(phrase, ("entry", a.key))
                if fold(phrase).startswith("sở "):
                    self._short.add(phrase.split(None, 1)[1], ("entry", a.key))
        for g in groups:
            target: Target = ("commune" if g.get("kind") == "commune_group" else "group", g["code"])
            for phrase in g.get("phrases", []):
                self._index.add(phrase.replace("{province}", self.name), target)
        for phrase in fillers:
            self._index.add(phrase, ("filler", ""))
        # A 2025 successor name resolves to the entry that carries it (the primary one if shared).
        for succ in dict.fromkeys(a.successor for a in self.agencies if a.successor):
            if self._index.lookup(succ) is not None:
                continue
            carriers = [a for a in self.agencies if a.successor == succ]
            primary = [a for a in carriers if self._successor_primary.get(a.key)]
            if len(primary) != 1 and len(carriers) != 1:
                raise ValueError(f"{where}: successor {succ!r} is shared; mark one entry primary_successor")
            self._index.add(succ, ("entry", (primary or carriers)[0].key))
        if self._index.conflicts:
            lines = [f"{p!r}: {a} vs {b}" for p, a, b in self._index.conflicts]
            raise ValueError(f"{where}: ambiguous names: " + "; ".join(lines))

    # -- queries ------------------------------------------------------------------------

    def get(self, key: str) -> AgencyEntry:
        try:
            return self._by_key[key]
        except KeyError:
            raise KeyError(f"no agency {key!r} in province {self.slug!r}") from None

    def group_members(self, group: str) -> list[AgencyEntry]:
        """Agencies a group stands for (by group code or tag); commune groups have none."""
        if group not in self._groups and not any(group in a.groups for a in self.agencies):
            raise KeyError(f"no group {group!r} in province {self.slug!r}")
        return [a for a in self.agencies if group in a.groups]

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
            kind = hit.target[0] if hit.target else "unresolved"
            if kind in ("unresolved", "commune"):
                result.unresolved.append(hit.text)
                continue
            if kind == "entry":
                members = [self._by_key[hit.target[1]]]
            elif kind == "group":
                members = self.group_members(hit.target[1])
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


class AgencyDirectory:
    """All provinces of a config folder: ``standard.yaml`` plus one file per province."""

    def __init__(self, provinces: dict[str, ProvinceDirectory]) -> None:
        self._provinces = provinces
        self.provinces: list[str] = list(provinces)

    @classmethod
    def load(cls, root: Path | None = None, *, example_addresses_only: bool = True) -> AgencyDirectory:
        """Read a config folder; any problem is an :class:`AgencyDirectoryError` naming the file.

        ``example_addresses_only`` refuses every address outside ``*.example`` (all but production).
        """
        root = Path(root) if root is not None else DEFAULT_ROOT
        standard_path = root / "standard.yaml"
        if not standard_path.is_file():
            raise AgencyDirectoryError(f"no standard.yaml in agency config folder {root}")
        standard = _read_yaml(standard_path)
        provinces: dict[str, ProvinceDirectory] = {}
        for path in sorted(root.glob("*.yaml")):
            if path.name == standard_path.name:
                continue
            spec = _read_yaml(path)
            try:
                prov = ProvinceDirectory(standard, spec, source=str(path), example_addresses_only=example_addresses_only)
            except AgencyDirectoryError:
                raise
            except ValueError as exc:  # the constructor's own checks name the file already
                raise AgencyDirectoryError(str(exc)) from None
            except (KeyError, TypeError, AttributeError) as exc:
                # a field of the wrong shape (a list where a mapping belongs, a name missing)
                raise AgencyDirectoryError(f"{path}: malformed entry ({type(exc).__name__}: {exc})") from None
            if prov.slug in provinces:
                raise AgencyDirectoryError(f"{path}: province slug {prov.slug!r} defined twice")
            provinces[prov.slug] = prov
        return cls(provinces)

    def province(self, slug: str) -> ProvinceDirectory:
        try:
            return self._provinces[slug]
        except KeyError:
            known = ", ".join(self.provinces) or "none"
            raise KeyError(f"unknown province {slug!r}; known provinces: {known}") from None

    def infer_province(self, text: str) -> str | None:
        """The province a document's head names most often ("tỉnh Bắc Giang", "Bến Tre, ngày ...").

        Ties go to the province named first; None when no known province is named.
        """
        folded = fold(text)
        best: tuple[int, int, str] | None = None  # (-count, first position, slug)
        for slug, prov in self._provinces.items():
            found = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(fold(prov.name))}(?!\w)", folded)]
            if found and (best is None or (-len(found), found[0]) < best[:2]):
                best = (-len(found), found[0], slug)
        return best[2] if best else None
