"""The escalation policy ("quy trình đôn đốc"): reminders before a due date, escalation after it.

The policy comes from ``config/escalation.yaml`` with an optional per-plan override merged
over it (top-level keys replace). On a day ``as_of`` it splits due dates into *windows*;
each window is one notice stage, and an open assignment gets at most one notice per stage.
Only the current stage is ever produced, so a sweep after days of downtime catches up
with one notice, not a burst of stale ones.

Days are counted by the policy's day counter (:mod:`tasks.common.workdays`): ``days_left =
between(as_of, due_date)`` and ``overdue = -days_left``.

* Reminders ``[7, 1, 0]`` (sorted descending): stage ``o`` covers ``days_left`` from ``o``
  down to the next smaller offset + 1; the smallest offset covers only itself. So stage 7
  covers 2..7 days left, stage 1 covers 1, stage 0 the due date itself.
* Coordinating reminders: the same, except that the smallest offset covers down to 0
  (the due date): ``[7]`` covers 0..7 days left. A coordinating agency has a single early
  reminder, and one added late still gets it once before the due date passes.
* Escalation level ``k`` covers ``overdue`` from its ``after_days`` to the next level's
  ``after_days - 1``; the top level covers everything from its ``after_days`` on and
  repeats: its ``seq`` is ``(overdue - after_days) // repeat_every_days``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

from tasks.common.workdays import DayCounter, date_range_for_offsets, day_counter

__all__ = ["FAR_PAST", "KINDS", "ROLES", "Level", "Policy", "PolicyError", "Role", "Stage", "Window",
           "load_policy", "notice_for", "policy_from_dict", "recipient_roles", "stages", "windows"]

Role = Literal["lead", "lead_head", "leadership", "office", "coordinating"]
ROLES: tuple[str, ...] = get_args(Role)
REMINDER, COORDINATION, ESCALATION = "reminder", "coordination_reminder", "escalation"
KINDS = (REMINDER, COORDINATION, ESCALATION)
# the open lower end of the top escalation window
FAR_PAST = date(1900, 1, 1)


class PolicyError(ValueError):
    """An invalid policy; the message is one line naming the source and the problem."""


@dataclass(frozen=True)
class Level:
    level: int
    after_days: int
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    near_days: int
    working_days: bool
    reminders: tuple[int, ...]  # days before the due date, sorted descending
    coordinating_reminders: tuple[int, ...]  # sorted descending
    levels: tuple[Level, ...]  # strictly rising
    repeat_every_days: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; ``policy_from_dict(p.to_dict()) == p``."""
        return {
            "near_days": self.near_days,
            "working_days": self.working_days,
            "reminders": list(self.reminders),
            "coordinating_reminders": list(self.coordinating_reminders),
            "levels": [
                {"level": lv.level, "after_days": lv.after_days, "to": list(lv.to), "cc": list(lv.cc)}
                for lv in self.levels
            ],
            "repeat_every_days": self.repeat_every_days,
        }

    def fingerprint(self) -> str:
        """sha256 (hex) of the canonical JSON of :meth:`to_dict`; stable across runs."""
        return _fingerprint(self)

    def counter(self) -> DayCounter:
        return day_counter(self.working_days)

    def level(self, number: int) -> Level:
        """The escalation level with this number (``KeyError`` if there is none)."""
        for lv in self.levels:
            if lv.level == number:
                return lv
        raise KeyError(number)


@functools.lru_cache(maxsize=1024)
def _fingerprint(policy: Policy) -> str:
    text = json.dumps(policy.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- loading and validation -------------------------------------------------------
# The shape of a policy is declared by the pydantic models of :mod:`tasks.escalation.policy_schema`,
# imported on first use: reading the domain logic does not need pydantic.


def policy_from_dict(data: Mapping[str, Any], *, source: str = "escalation policy") -> Policy:
    """A validated policy from plain data (every key required); errors start with ``source``."""
    from tasks.escalation.policy_schema import parse_policy

    return parse_policy(data, source=source)


def load_policy(
    path: Path | str, override: Mapping[str, Any] | None = None, *, plan: str | None = None
) -> Policy:
    """The YAML policy at ``path`` with ``override``'s top-level keys replacing the file's.

    The file may hold per-plan overrides under ``plans:`` keyed by plan number
    (``"552/KH-BCĐ": {working_days: true}``); ``plan`` selects one, applied before ``override``.
    A problem is one :class:`PolicyError` line naming the file and, for a value the file holds,
    its line.
    """
    from tasks.common.yaml_files import YamlLines, load_yaml_lines
    from tasks.escalation.policy_schema import parse_policy, read_file

    path = Path(path)
    source = str(path)
    raw, lines = load_yaml_lines(path, error=PolicyError)
    data, per_plan = read_file(raw, source=source, lines=lines)
    file_lines = lines
    lines = lines.without(["plans"])
    if plan is not None and plan in per_plan:
        data.update(per_plan[plan])
        # the plan's keys are on the plan's lines
        lines = YamlLines({**lines.without(per_plan[plan]), **file_lines.under("plans", plan)})
        source += f" (plans.{plan})"
    if override:
        if not isinstance(override, Mapping):
            raise PolicyError(f"{source} (per-plan override): override must be a mapping")
        data = {**data, **override}
        lines = lines.without(override)  # the override's values are not in the file
        source += " (with per-plan override)"
    return parse_policy(data, source=source, lines=lines)


# --- windows ---------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Due dates ``due_from..due_to`` (inclusive) that are in one notice stage on a day."""

    kind: str  # "reminder" | "coordination_reminder" | "escalation"
    level: int  # reminders: the offset (7, 1, 0); escalation: the level number
    due_from: date
    due_to: date

    def __contains__(self, due_date: object) -> bool:
        return isinstance(due_date, date) and self.due_from <= due_date <= self.due_to


def _stages(policy: Policy, kind: str) -> list[tuple[int, int | None, int]]:
    """(level, lowest days_left or None for no bound, highest days_left) of each stage of a kind."""
    if kind in (REMINDER, COORDINATION):
        offsets = policy.reminders if kind == REMINDER else policy.coordinating_reminders
        floor = [0] if kind == COORDINATION else list(offsets[-1:])  # where the smallest offset stops
        # with no offsets the floor has nothing to pair with: zip drops it
        return [(o, low, o) for o, low in zip(offsets, [n + 1 for n in offsets[1:]] + floor, strict=False)]
    if kind == ESCALATION:
        # a level runs until the eve of the next one; the top level has no end
        lows: list[int | None] = [1 - lv.after_days for lv in policy.levels[1:]]
        return [(lv.level, low, -lv.after_days) for lv, low in zip(policy.levels, [*lows, None], strict=True)]
    raise ValueError(f"unknown notice kind {kind!r} (known: {', '.join(KINDS)})")


def windows(policy: Policy, as_of: date) -> list[Window]:
    """Every notice stage on ``as_of`` as a range of due dates (reminders, coordination, escalation).

    Windows of one kind never overlap; a due date in no window gets no notice that day.
    """
    counter = policy.counter()
    out: list[Window] = []
    for kind in KINDS:
        for level, lo, hi in _stages(policy, kind):
            rng = date_range_for_offsets(counter, as_of, hi if lo is None else lo, hi)
            if rng is None:
                continue
            if lo is None:  # the top escalation level: everything at least this overdue
                rng = (FAR_PAST if rng[1] >= FAR_PAST else date.min, rng[1])
            out.append(Window(kind, level, rng[0], rng[1]))
    return out


def notice_for(policy: Policy, *, kind: str, due_date: date, as_of: date) -> tuple[int, int] | None:
    """``(level, seq)`` of the notice an open assignment due on ``due_date`` gets on ``as_of``, or None.

    Reminders give ``(offset, 0)``; ``seq`` counts the repeats of the top escalation level."""
    days_left = policy.counter().between(as_of, due_date)
    for level, lo, hi in _stages(policy, kind):
        if (lo is None or lo <= days_left) and days_left <= hi:
            if lo is None:
                top = policy.levels[-1]
                return level, (-days_left - top.after_days) // policy.repeat_every_days
            return level, 0
    return None


@dataclass(frozen=True)
class Stage:
    """Due dates ``due_from..due_to`` (inclusive) whose open assignments get the notice
    ``(kind, level, seq)`` on a day: what :func:`notice_for` gives each of them."""

    kind: str
    level: int
    seq: int
    due_from: date
    due_to: date


def stages(policy: Policy, as_of: date, *, earliest: date | None) -> list[Stage]:
    """The day's windows as stages, the top escalation level split into one stage per repeat.

    The top level's window reaches back without end and its ``seq`` grows by one every
    ``repeat_every_days``, so it is cut into ranges of one ``seq`` each, from the newest back
    to the one holding ``earliest`` (the earliest due date that can still get a notice;
    ``None``: none can, and the top level gets no stage). A database can then place every
    assignment by its due date alone, without counting (working) days itself.
    """
    top = policy.levels[-1]
    counter = policy.counter()
    step = policy.repeat_every_days
    out: list[Stage] = []
    for w in windows(policy, as_of):
        if w.kind != ESCALATION or w.level != top.level:
            out.append(Stage(w.kind, w.level, 0, w.due_from, w.due_to))
            continue
        seq = 0
        while earliest is not None:
            first = top.after_days + seq * step  # overdue days where this repeat starts
            rng = date_range_for_offsets(counter, as_of, -(first + step - 1), -first)
            if rng is None or rng[1] < earliest:
                break
            out.append(Stage(ESCALATION, top.level, seq, rng[0], rng[1]))
            seq += 1
    return out


def recipient_roles(policy: Policy, *, kind: str, level: int) -> tuple[str, ...]:
    """Who a notice goes to, in order (the first role wins when two resolve to one address):
    the lead agency for reminders, the coordinating agency for its reminder, and the level's
    ``to`` then ``cc`` roles for an escalation."""
    if kind == REMINDER:
        return ("lead",)
    if kind == COORDINATION:
        return ("coordinating",)
    lv = policy.level(level)
    return tuple(dict.fromkeys((*lv.to, *lv.cc)))
