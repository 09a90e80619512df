"""The escalation policy (``config/escalation.yaml``, a plan's override, a stored policy) as pydantic models.

Imported by :mod:`tasks.escalation.policy` when a policy is read, not before. Every problem is
one :class:`~tasks.escalation.policy.PolicyError` line: "SOURCE[, line N]: what is wrong".
"""

from __future__ import annotations

from collections.abc import Hashable
from itertools import pairwise
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from tasks.common.schema import Items, Section, Table, error_line, fail, join, label, pick, problem, where
from tasks.common.yaml_files import YamlLines
from tasks.escalation.policy import ROLES, Level, Policy, PolicyError, Role

__all__ = ["LevelSpec", "PolicyFile", "PolicySpec", "parse_policy", "read_file"]


def _distinct(what: str) -> Any:
    def check(values: list[Any]) -> list[Any]:
        if len(set(values)) != len(values):
            fail(f"must not repeat a {what}: {values}")
        return values

    return AfterValidator(check)


Days = Annotated[list[Annotated[StrictInt, Field(ge=0)]], _distinct("day")]  # days before the due date
Roles = Annotated[Items[Role], _distinct("role")]


class LevelSpec(Section):
    level: Annotated[StrictInt, Field(ge=1)]
    after_days: Annotated[StrictInt, Field(ge=1)]
    to: Annotated[Roles, Field(min_length=1)]
    cc: Roles = Field(default_factory=list)


class PolicySpec(Section):
    """Every key required: a policy is stored whole, so that it never changes under an assignment."""

    near_days: Annotated[StrictInt, Field(ge=0)]
    working_days: StrictBool
    reminders: Days
    coordinating_reminders: Days
    levels: Annotated[list[LevelSpec], Field(min_length=1)]
    repeat_every_days: Annotated[StrictInt, Field(ge=1)]

    @model_validator(mode="after")
    def _levels_rise(self) -> PolicySpec:
        for prev, cur in pairwise(self.levels):
            if cur.level <= prev.level:
                fail(f"levels must rise: level {cur.level} follows level {prev.level}")
            if cur.after_days <= prev.after_days:
                fail(f"levels must rise: level {cur.level} after_days {cur.after_days}"
                     f" <= level {prev.level} after_days {prev.after_days}")
        return self

    def policy(self) -> Policy:
        return Policy(
            near_days=self.near_days,
            working_days=self.working_days,
            reminders=tuple(sorted(self.reminders, reverse=True)),
            coordinating_reminders=tuple(sorted(self.coordinating_reminders, reverse=True)),
            levels=tuple(Level(lv.level, lv.after_days, tuple(lv.to), tuple(lv.cc)) for lv in self.levels),
            repeat_every_days=self.repeat_every_days,
        )


class PolicyFile(BaseModel):
    """The file around the settings: the policy's keys, checked once merged, and ``plans:``."""

    model_config = ConfigDict(extra="allow")
    plans: Table[Hashable, Table[Hashable, Any]] = Field(default_factory=dict)


def parse_policy(data: Any, *, source: str, lines: YamlLines | None = None) -> Policy:
    """The policy ``data`` holds; else a :class:`PolicyError` "SOURCE[, line N]: problem"."""
    try:
        return PolicySpec.model_validate(data).policy()
    except ValidationError as exc:
        err = pick(exc)
        raise PolicyError(f"{where(source, error_line(err, lines))}: {_describe(err, data)}") from None


def read_file(data: Any, *, source: str, lines: YamlLines) -> tuple[dict[Any, Any], dict[Any, dict[Any, Any]]]:
    """``(settings, plans)`` of a policy file: its keys but ``plans``, and the per-plan overrides."""
    try:
        file = PolicyFile.model_validate(data)
    except ValidationError as exc:
        err = pick(exc)
        text = "plans must map plan numbers to settings" if err["loc"] else "must be a mapping of settings"
        raise PolicyError(f"{where(source, error_line(err, lines))}: {text}") from None
    return dict(file.model_extra or {}), file.plans


# what each list holds, for "must be a list of ..." and "must ... at least one ..."
_LISTS = {"reminders": "days", "coordinating_reminders": "days", "to": "roles", "cc": "roles"}


def _describe(err: ErrorDetails, data: Any) -> str:
    """The problem in the policy's own words ("level 2 to: unknown role 'mayor'")."""
    loc, text = problem(err, PolicySpec)
    field = loc[-1] if loc else None
    if err["type"] == "missing":
        text = f"missing {err['loc'][-1]}"
    elif err["type"] == "model_type" and not loc:
        text = f"must be a mapping of settings, got {type(data).__name__}"
    elif err["type"] == "literal_error":  # the roles are the only closed choice
        text = f"unknown role {err.get('input')!r} (known: {', '.join(ROLES)})"
    elif field == "levels" and err["type"] in ("list_type", "too_short"):
        text = "must be a list with at least one level"
    elif field in _LISTS and err["type"] == "list_type":
        text = f"must be a list of {_LISTS[field]}, got {err.get('input')!r}"
    elif field == "to" and err["type"] == "too_short":
        text = "must name at least one role"
    return join(_what(loc, data), text)


def _what(loc: tuple[Any, ...], data: Any) -> str:
    """An entry of the policy by name: "near_days", "reminders entry", "levels[1]", "level 2 to"."""
    if len(loc) == 2 and loc[0] in ("reminders", "coordinating_reminders"):
        return f"{loc[0]} entry"
    if len(loc) >= 3 and loc[0] == "levels" and isinstance(loc[1], int):
        if loc[2] != "level":
            number = _level_number(data, loc[1])
            if number is not None:  # a level is known by its number once that is right
                return f"level {number} {label(loc[2:])}"
        return f"levels[{loc[1]}] {label(loc[2:])}"
    return label(loc)


def _level_number(data: Any, index: int) -> int | None:
    try:
        number = data["levels"][index]["level"]
    except (KeyError, IndexError, TypeError):
        return None
    return number if isinstance(number, int) and not isinstance(number, bool) and number >= 1 else None

