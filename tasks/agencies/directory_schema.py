"""The agency directory files (``config/agencies/*.yaml``) as pydantic models.

Imported by :mod:`tasks.agencies.directory` when a directory is read, not before. The models
check each file's shape and every mail address in it; what needs the two files together (keys
unique, overrides naming known agencies, names resolving to one agency) is checked by
:class:`~tasks.agencies.directory.ProvinceDirectory`. A problem is one
:class:`~tasks.agencies.directory.AgencyDirectoryError` line: "FILE[, line N]: what is wrong".
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    Strict,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails

from tasks.agencies.directory import ADDRESS, AgencyDirectoryError, DistrictType, Kind
from tasks.common.schema import (
    Items,
    Section,
    Table,
    Text,
    error_line,
    fail,
    is_custom,
    join,
    label,
    pick,
    problem,
    where,
)
from tasks.common.yaml_files import YamlLines

__all__ = ["AgencyOverride", "AgencySpec", "DistrictSpec", "GroupSpec", "Leadership", "ProvinceSpec", "StandardSpec",
           "TodayGroupsSpec", "parse_province", "parse_standard", "parse_today_groups"]

M = TypeVar("M", bound=BaseModel)
EXAMPLE_ONLY = "example_addresses_only"  # the validation context's switch: refuse real mail domains


def _example_only(info: ValidationInfo) -> bool:
    return bool((info.context or {}).get(EXAMPLE_ONLY, True))


def _local_part(value: str) -> str:
    # codes and head titles become mail addresses: "snnptnt@...", "giamdoc.snnptnt@..."
    if not ADDRESS.fullmatch(f"{value}@x.example"):
        fail(f"{value!r} cannot be part of a mail address (no spaces, no @)")
    return value


def _address(value: str, info: ValidationInfo) -> str:
    if not ADDRESS.fullmatch(value):
        fail(f"{value!r} is not an e-mail address")
    # outside production the directory may only name example mailboxes, so a demo or a test
    # run can never mail a real department
    if _example_only(info) and not value.endswith(".example"):
        fail(f"address {value!r} must use an example domain (*.example) unless DONDOC_ENV=production")
    return value


def _domain(value: str, info: ValidationInfo) -> str:
    if not ADDRESS.fullmatch(f"x@{value}"):
        fail(f"{value!r} is not a mail domain")
    if _example_only(info) and not value.endswith(".example"):
        fail(f"domain {value!r} must be an example domain (*.example) unless DONDOC_ENV=production")
    return value


def _district_name(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value  # "- Sơn Động" is {name: Sơn Động}


LocalPart = Annotated[Text, AfterValidator(_local_part)]
Address = Annotated[Text, AfterValidator(_address)]
Domain = Annotated[Text, AfterValidator(_domain)]


class AgencySpec(Section):
    """An agency of ``standard.yaml`` or of a province file."""

    code: LocalPart  # unique within a province; the local part of its address
    name: Text
    aliases: Items[Text] = Field(default_factory=list)
    kind: Kind
    groups: Items[Text] = Field(default_factory=list)  # tags group expansion uses ("so_nganh")
    head_title: LocalPart | None = None  # the local part's prefix of its head's address
    email: Address | None = None  # default: <code>@<province domain>
    head_email: Address | None = None  # default: <head title>.<code>@<province domain>
    merged_into: Text | None = None  # the 2025 successor
    renamed_to: Text | None = None
    primary_successor: StrictBool = False  # the one that a successor shared by several names
    exclude: StrictBool = False  # in an override: the province has no such agency


class AgencyOverride(Section):
    """A province's change to an agency: the fields it gives replace the agency's (not its code)."""

    name: Text | None = None  # None: not changed
    aliases: Items[Text] = Field(default_factory=list)
    kind: Kind | None = None
    groups: Items[Text] = Field(default_factory=list)
    head_title: LocalPart | None = None
    email: Address | None = None
    head_email: Address | None = None
    merged_into: Text | None = None
    renamed_to: Text | None = None
    primary_successor: StrictBool = False
    exclude: StrictBool = False

    @field_validator("name", "kind", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:  # an agency always has a name and a kind: to keep its own, leave the key out
            fail("must not be empty (leave it out to keep the agency's own)")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the override gives."""
        return self.model_dump(exclude_unset=True)


class DistrictSpec(Section):
    """A district-level unit, written as its name alone or as a mapping."""

    name: Text
    type: DistrictType = "huyen"
    aliases: Items[Text] = Field(default_factory=list)
    head_title: LocalPart = "chutich"


class GroupSpec(Section):
    code: Text
    # group: expands to its members; commune_group: commune wording a sample directory cannot
    # resolve; abolished: wording of a level that is gone ("UBND các huyện" since 01/07/2025),
    # reported unresolved with ``note`` as the reason
    kind: Literal["group", "commune_group", "abolished"] = "group"
    phrases: Items[Text] = Field(default_factory=list)  # wording that stands for the group ("các Sở, ngành")
    members: Items[Text] = Field(default_factory=list)  # agency codes or district names, besides those tagged
    note: Text | None = None


class Leadership(Section):
    name: Text
    email: Address


class StandardSpec(Section):
    """``standard.yaml``: the agencies and groups every province has."""

    head_prefix: Table[Kind, LocalPart] = Field(default_factory=dict)
    agencies: Items[AgencySpec] = Field(default_factory=list)
    groups: Items[GroupSpec] = Field(default_factory=list)
    fillers: Items[Text] = Field(default_factory=list)  # naming nobody in particular ("các đơn vị liên quan")


class ProvinceSpec(Section):
    """A province file: the province, its district-level units, its own agencies and changes."""

    slug: Text
    name: Text
    email_domain: Domain
    leadership: Leadership
    districts: Items[Annotated[DistrictSpec, BeforeValidator(_district_name)]] = Field(default_factory=list)
    agencies: Items[AgencySpec] = Field(default_factory=list)
    groups: Items[GroupSpec] = Field(default_factory=list)
    overrides: Table[str, AgencyOverride] = Field(default_factory=dict)
    extra_aliases: Table[str, Items[Text]] = Field(default_factory=dict)


class TodayGroupsSpec(Section):
    """``config/agencies/reference/groups.yaml``: the groups of a province set up with ``province add``."""

    checked: Annotated[date, Strict()]
    groups: Items[GroupSpec] = Field(min_length=1)
    fillers: Items[Text] = Field(default_factory=list)


def parse_today_groups(data: Any, *, source: str, lines: YamlLines | None = None,
                       error: type[ValueError] = AgencyDirectoryError) -> TodayGroupsSpec:
    """``groups.yaml``'s content checked; a problem is one ``error`` line naming the file."""
    try:
        return TodayGroupsSpec.model_validate({} if data is None else data)
    except ValidationError as exc:
        err = pick(exc)
        raise error(f"{where(source, error_line(err, lines))}: {_describe(err, TodayGroupsSpec)}") from None


def parse_standard(data: Any, *, source: str, lines: YamlLines | None = None,
                   example_addresses_only: bool = True) -> StandardSpec:
    """``standard.yaml``'s content checked (an empty file is an empty template)."""
    return _parse(StandardSpec, data, source, lines, example_addresses_only)


def parse_province(data: Any, *, source: str, lines: YamlLines | None = None,
                   example_addresses_only: bool = True) -> ProvinceSpec:
    """A province file's content checked."""
    return _parse(ProvinceSpec, data, source, lines, example_addresses_only)


def _parse(model: type[M], data: Any, source: str, lines: YamlLines | None, example_only: bool) -> M:
    try:
        return model.model_validate({} if data is None else data, context={EXAMPLE_ONLY: example_only})
    except ValidationError as exc:
        err = pick(exc)
        raise AgencyDirectoryError(f"{where(source, error_line(err, lines))}: {_describe(err, model)}") from None


def _describe(err: ErrorDetails, model: type[BaseModel]) -> str:
    """A rule of the directory broken, in its words; a value of the wrong shape as a malformed entry."""
    loc, text = problem(err, model)
    if not err["loc"] and err["type"] == "model_type":
        return "expected a mapping at the top level"
    if err["type"] == "model_type" and len(loc) == 2 and loc[0] == "districts":
        text = f"must be a name or a mapping, got {err.get('input')!r}"
    if is_custom(err) or not loc:
        return join(label(loc), text)
    return f"malformed entry: {join(label(loc), text)}"
