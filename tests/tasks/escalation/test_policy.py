from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.common.workdays import WorkingDays
from tasks.escalation.policy import (
    FAR_PAST,
    KINDS,
    Level,
    Policy,
    PolicyError,
    Stage,
    Window,
    load_policy,
    notice_for,
    policy_from_dict,
    recipient_roles,
    stages,
    windows,
)

SHIPPED = Path(__file__).resolve().parents[3] / "config" / "escalation.yaml"
AS_OF = date(2024, 6, 3)  # a Monday


def base() -> dict[str, Any]:
    return {
        "near_days": 3,
        "working_days": False,
        "reminders": [7, 1, 0],
        "coordinating_reminders": [7],
        "levels": [
            {"level": 1, "after_days": 1, "to": ["lead"], "cc": ["office"]},
            {"level": 2, "after_days": 7, "to": ["lead", "lead_head"], "cc": ["office"]},
            {"level": 3, "after_days": 15, "to": ["lead", "lead_head", "leadership"], "cc": ["office"]},
        ],
        "repeat_every_days": 7,
    }


POLICY = policy_from_dict(base())
WORKING = policy_from_dict({**base(), "working_days": True})


def escalation_on_overdue_day(days: int, policy: Policy = POLICY) -> tuple[int, int] | None:
    return notice_for(policy, kind="escalation", due_date=AS_OF - timedelta(days), as_of=AS_OF)


def reminder_with_days_left(days: int, kind: str = "reminder") -> tuple[int, int] | None:
    return notice_for(POLICY, kind=kind, due_date=AS_OF + timedelta(days), as_of=AS_OF)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "escalation.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped file ----------------------------------------------------------------


def test_the_shipped_config_loads_as_the_documented_policy() -> None:
    policy = load_policy(SHIPPED)
    assert policy == POLICY
    assert policy.levels[2] == Level(level=3, after_days=15, to=("lead", "lead_head", "leadership"), cc=("office",))


def test_a_policy_survives_a_round_trip_through_plain_data() -> None:
    assert policy_from_dict(POLICY.to_dict()) == POLICY
    assert POLICY.to_dict() == base()


# --- escalation by day ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "notice"),
    [(0, None), (1, (1, 0)), (6, (1, 0)), (7, (2, 0)), (14, (2, 0)), (15, (3, 0)), (21, (3, 0)),
     (22, (3, 1)), (28, (3, 1)), (29, (3, 2)), (365, (3, 50))],
)
def test_escalation_level_and_repeat_by_overdue_day(day: int, notice: tuple[int, int] | None) -> None:
    assert escalation_on_overdue_day(day) == notice


def test_it_escalates_to_level_two_after_seven_days_overdue() -> None:
    assert escalation_on_overdue_day(6) == (1, 0)
    assert escalation_on_overdue_day(7) == (2, 0)


def test_an_item_not_yet_due_is_not_escalated() -> None:
    assert escalation_on_overdue_day(-3) is None


# --- reminders by day ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "notice"),
    [(30, None), (8, None), (7, (7, 0)), (5, (7, 0)), (2, (7, 0)), (1, (1, 0)), (0, (0, 0)), (-1, None)],
)
def test_lead_reminder_stage_by_days_left(left: int, notice: tuple[int, int] | None) -> None:
    assert reminder_with_days_left(left) == notice


@pytest.mark.parametrize(("left", "notice"), [(8, None), (7, (7, 0)), (3, (7, 0)), (0, (7, 0)), (-1, None)])
def test_a_single_coordinating_reminder_covers_its_offset_down_to_the_due_date(
    left: int, notice: tuple[int, int] | None
) -> None:
    assert reminder_with_days_left(left, kind="coordination_reminder") == notice


def test_the_smallest_lead_reminder_covers_only_its_own_day() -> None:
    policy = policy_from_dict({**base(), "reminders": [7, 2]})
    due = lambda left: notice_for(policy, kind="reminder", due_date=AS_OF + timedelta(left), as_of=AS_OF)  # noqa: E731
    assert [due(n) for n in (8, 7, 3, 2, 1, 0)] == [None, (7, 0), (7, 0), (2, 0), None, None]


def test_an_unknown_notice_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown notice kind"):
        notice_for(POLICY, kind="fax", due_date=AS_OF, as_of=AS_OF)


# --- windows -------------------------------------------------------------------------------------


def test_the_windows_of_a_day_with_calendar_days() -> None:
    d = lambda n: AS_OF + timedelta(n)  # noqa: E731
    assert windows(POLICY, AS_OF) == [
        Window("reminder", 7, d(2), d(7)),
        Window("reminder", 1, d(1), d(1)),
        Window("reminder", 0, d(0), d(0)),
        Window("coordination_reminder", 7, d(0), d(7)),
        Window("escalation", 1, d(-6), d(-1)),
        Window("escalation", 2, d(-14), d(-7)),
        Window("escalation", 3, FAR_PAST, d(-15)),
    ]


def test_a_policy_without_reminders_has_only_escalation_windows() -> None:
    policy = policy_from_dict({**base(), "reminders": [], "coordinating_reminders": []})
    assert {w.kind for w in windows(policy, AS_OF)} == {"escalation"}


@settings(max_examples=400, deadline=None)
@given(
    st.dates(date(2015, 1, 1), date(2030, 12, 31)),
    st.integers(-60, 30),
    st.booleans(),
    st.sampled_from(KINDS),
)
def test_windows_of_a_kind_hold_a_due_date_at_most_once_and_agree_with_notice_for(
    as_of: date, offset: int, working: bool, kind: str
) -> None:
    policy = WORKING if working else POLICY
    due = as_of + timedelta(offset)
    holding = [w for w in windows(policy, as_of) if w.kind == kind and due in w]
    assert len(holding) <= 1
    notice = notice_for(policy, kind=kind, due_date=due, as_of=as_of)
    assert (notice is None) == (not holding)
    if holding:
        assert notice is not None and notice[0] == holding[0].level


@settings(max_examples=100, deadline=None)
@given(st.dates(date(2015, 1, 1), date(2030, 12, 31)), st.booleans())
def test_the_windows_of_a_kind_do_not_overlap(as_of: date, working: bool) -> None:
    policy = WORKING if working else POLICY
    for kind in KINDS:
        spans = sorted((w.due_from, w.due_to) for w in windows(policy, as_of) if w.kind == kind)
        assert all(a[1] < b[0] for a, b in pairwise(spans))
        assert all(lo <= hi for lo, hi in spans)


def test_a_sweep_after_downtime_sends_only_the_current_stage_once() -> None:
    due = date(2024, 6, 20)
    sent: set[tuple[str, int, int]] = set()
    for as_of in (date(2024, 6, 14), date(2024, 6, 15), date(2024, 6, 16)):  # 6, 5 and 4 days left
        found = notice_for(POLICY, kind="reminder", due_date=due, as_of=as_of)
        assert found is not None
        sent.add(("reminder", *found))
    assert sent == {("reminder", 7, 0)}
    # back after 12 days away: overdue 10 days, so level 2 only, not level 1
    assert notice_for(POLICY, kind="escalation", due_date=due, as_of=date(2024, 6, 30)) == (2, 0)


# --- working days across Tết 2021 ----------------------------------------------------------------


def test_working_day_reminders_skip_tet_2021() -> None:
    # Friday 5/2/2021; then Mon 8, Tue 9, Tết 10-16, Wed 17 is the third working day.
    friday = date(2021, 2, 5)
    assert notice_for(WORKING, kind="reminder", due_date=date(2021, 2, 17), as_of=friday) == (7, 0)
    assert notice_for(WORKING, kind="reminder", due_date=date(2021, 2, 17), as_of=date(2021, 2, 9)) == (1, 0)
    assert notice_for(WORKING, kind="reminder", due_date=date(2021, 2, 17), as_of=date(2021, 2, 17)) == (0, 0)
    assert notice_for(POLICY, kind="reminder", due_date=date(2021, 2, 17), as_of=date(2021, 2, 9)) is None


def test_working_day_escalation_waits_through_tet_2021() -> None:
    due = date(2021, 2, 8)  # Monday before Tết
    assert notice_for(WORKING, kind="escalation", due_date=due, as_of=date(2021, 2, 9)) == (1, 0)
    # 9/2 is working day 1 past due; Tết adds none, 17..23/2 (5 working days) reach 6
    assert notice_for(WORKING, kind="escalation", due_date=due, as_of=date(2021, 2, 23)) == (1, 0)
    assert notice_for(WORKING, kind="escalation", due_date=due, as_of=date(2021, 2, 24)) == (2, 0)
    assert notice_for(POLICY, kind="escalation", due_date=due, as_of=date(2021, 2, 24)) == (3, 0)


def test_working_day_windows_over_tet_2021_hold_the_holiday_dates() -> None:
    found = {(w.kind, w.level): (w.due_from, w.due_to) for w in windows(WORKING, date(2021, 2, 5))}
    # working days after it: Mon 8 (1), Tue 9 (2), Tết, 17 (3), 18, 19, 22, Tue 23 (7), 24 (8)
    assert found[("reminder", 7)] == (date(2021, 2, 9), date(2021, 2, 23))
    assert found[("reminder", 1)] == (date(2021, 2, 8), date(2021, 2, 8))
    assert found[("reminder", 0)] == (date(2021, 2, 5), date(2021, 2, 7))
    assert found[("escalation", 1)] == (date(2021, 1, 28), date(2021, 2, 4))  # 1..6 working days late
    w = WorkingDays()
    assert w.between(date(2021, 2, 5), date(2021, 2, 23)) == 7 and w.between(date(2021, 2, 5), date(2021, 2, 24)) == 8


# --- overrides and fingerprints ------------------------------------------------------------------


def test_a_per_plan_override_replaces_the_keys_it_names() -> None:
    policy = load_policy(SHIPPED, {"reminders": [14, 3], "working_days": True})
    assert policy.reminders == (14, 3)
    assert policy.working_days is True
    assert policy.levels == POLICY.levels
    assert load_policy(SHIPPED, {}) == POLICY
    assert load_policy(SHIPPED, None) == POLICY


def test_an_invalid_override_names_the_file_and_the_override() -> None:
    with pytest.raises(PolicyError, match=r"escalation\.yaml \(with per-plan override\): repeat_every_days"):
        load_policy(SHIPPED, {"repeat_every_days": 0})


def test_the_fingerprint_is_stable_and_canonical() -> None:
    again = policy_from_dict({**base(), "reminders": [0, 7, 1]})
    assert again.fingerprint() == POLICY.fingerprint() == load_policy(SHIPPED).fingerprint()
    assert len(POLICY.fingerprint()) == 64
    assert POLICY.fingerprint() == "b9b495f6ec82acd957440dece86944a2aca41ce0751ffd64ed6fa341b0f3b16e"


@pytest.mark.parametrize(
    "change",
    [{"near_days": 4}, {"working_days": True}, {"reminders": [7, 1]}, {"coordinating_reminders": [5]},
     {"repeat_every_days": 14}, {"levels": base()["levels"][:2]}],
)
def test_different_policies_have_different_fingerprints(change: dict[str, Any]) -> None:
    assert policy_from_dict({**base(), **change}).fingerprint() != POLICY.fingerprint()


# --- errors ------------------------------------------------------------------------------------------


def levels_with(**changes: Any) -> list[dict[str, Any]]:
    levels = base()["levels"]
    levels[1] = {**levels[1], **changes}
    return levels


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"near_days": -1}, "near_days must be at least 0, got -1"),
        ({"near_days": "3"}, "near_days must be a whole number, got '3'"),
        ({"near_days": 2.5}, "near_days must be a whole number, got 2.5"),
        ({"working_days": "yes"}, "working_days must be true or false"),
        ({"reminders": [7, -1]}, "reminders entry must be at least 0, got -1"),
        ({"reminders": 7}, "reminders must be a list of days"),
        ({"reminders": [7, 7, 0]}, "reminders must not repeat a day"),
        ({"coordinating_reminders": [True]}, "coordinating_reminders entry must be a whole number"),
        ({"repeat_every_days": 0}, "repeat_every_days must be at least 1, got 0"),
        ({"levels": []}, "levels must be a list with at least one level"),
        ({"levels": levels_with(after_days=1)}, "levels must rise: level 2 after_days 1 <= level 1 after_days 1"),
        ({"levels": levels_with(level=1)}, "levels must rise: level 1 follows level 1"),
        ({"levels": levels_with(to=["lead", "mayor"])}, "level 2 to: unknown role 'mayor'"),
        ({"levels": levels_with(cc=["press"])}, "level 2 cc: unknown role 'press'"),
        ({"levels": levels_with(to=[])}, "level 2 to must name at least one role"),
        ({"levels": levels_with(to="lead")}, "level 2 to must be a list of roles"),
        ({"levels": levels_with(after_days=0)}, "level 2 after_days must be at least 1, got 0"),
        ({"levels": levels_with(sms=True)}, "levels[1]: unknown key 'sms'"),
        ({"levels": [{"level": 1, "to": ["lead"]}]}, "levels[0]: missing after_days"),
        ({"levels": ["lead"]}, "levels[0] must be a mapping"),
        ({"reminder": [7]}, "unknown key 'reminder'"),
    ],
)
def test_each_invalid_policy_is_refused_with_one_clear_line(change: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError) as err:
        policy_from_dict({**base(), **change})
    text = str(err.value)
    assert text.startswith("escalation policy: ")
    assert message in text
    assert "\n" not in text


def test_a_missing_key_is_refused() -> None:
    data = base()
    del data["near_days"]
    with pytest.raises(PolicyError, match="escalation policy: missing near_days"):
        policy_from_dict(data)


def test_a_falling_level_in_the_file_names_the_file_and_both_levels(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace("after_days: 1,", "after_days: 9,")
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert str(err.value) == f"{path}: levels must rise: level 2 after_days 7 <= level 1 after_days 9"


def test_a_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "none.yaml")


def test_a_file_that_is_not_yaml_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not valid YAML") as err:
        load_policy(write(tmp_path, "levels: [\n  - {level: 1\n"))
    assert "\n" not in str(err.value)


def test_a_file_that_is_a_list_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="must be a mapping of settings"):
        load_policy(write(tmp_path, "- 1\n- 2\n"))


def test_a_policy_error_is_a_value_error() -> None:
    assert issubclass(PolicyError, ValueError)


@pytest.mark.parametrize(("change", "expected"), [
    (("near_days: 3", "near_days: ba"), "near_days must be a whole number, got 'ba'"),
    (("working_days: false", "working_days: có"), "working_days must be true or false, got 'có'"),
    (("reminders: [7, 1, 0]", "reminders: [7, 1, 1]"), "reminders must not repeat a day: [7, 1, 1]"),
    (("reminders: [7, 1, 0]", "reminder: [7, 1, 0]"), "unknown key 'reminder' (known: near_days, working_days, "),
    (("{level: 2, after_days: 7,", "{level: 2, afterdays: 7,"), "levels[1]: unknown key 'afterdays' (known: level,"),
    (("{level: 2, after_days: 7,", "{level: 2,"), "levels[1]: missing after_days"),
    (("to: [lead, lead_head], cc", "to: [lead, mayor], cc"), "level 2 to: unknown role 'mayor' (known: lead, "),
    (("repeat_every_days: 7", "repeat_every_days: 0"), "repeat_every_days must be at least 1, got 0"),
])
def test_a_bad_value_in_the_file_is_one_line_naming_the_file_and_its_line(
        tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace(*change, 1)
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if change[1] in row)
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert str(err.value).startswith(f"{path}, line {line}: {expected}"), str(err.value)
    assert "\n" not in str(err.value)


def test_a_bad_value_of_a_plan_names_the_plan_and_its_line(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8") + '  "552/KH-BCĐ":\n    working_days: có\n'
    path = write(tmp_path, text)
    assert load_policy(path, plan="1185/KH-UBND") == POLICY  # another plan's override is not used
    with pytest.raises(PolicyError) as err:
        load_policy(path, plan="552/KH-BCĐ")
    line = len(text.splitlines())
    assert str(err.value) == f"{path} (plans.552/KH-BCĐ), line {line}: working_days must be true or false, got 'có'"
    with pytest.raises(PolicyError) as err:  # a value the override gives is not in the file: no line
        load_policy(path, {"working_days": "có"})
    assert str(err.value) == f"{path} (with per-plan override): working_days must be true or false, got 'có'"


def test_plans_of_the_wrong_shape_name_the_line(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8") + '  "552/KH-BCĐ": true\n'
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert str(err.value) == f"{path}, line {len(text.splitlines())}: plans must map plan numbers to settings"


# --- stages: the day's windows as due-date ranges the database can use directly -------------


def _placed(stages_: list[Stage], kind: str, due: date) -> list[tuple[int, int]]:
    return [(s.level, s.seq) for s in stages_ if s.kind == kind and s.due_from <= due <= s.due_to]


@pytest.mark.parametrize("policy", [POLICY, WORKING], ids=["calendar days", "working days"])
@pytest.mark.parametrize("as_of", [AS_OF, date(2021, 2, 16), date(2021, 2, 22)], ids=str)  # Tết 2021 ran 10-16/02
def test_the_days_stages_give_every_due_date_the_notice_notice_for_gives(policy: Policy, as_of: date) -> None:
    earliest = as_of - timedelta(days=400)
    found = stages(policy, as_of, earliest=earliest)
    for offset in range(-400, 15):
        due = as_of + timedelta(days=offset)
        for kind in KINDS:
            placed = _placed(found, kind, due)
            expected = notice_for(policy, kind=kind, due_date=due, as_of=as_of)
            assert placed == ([expected] if expected else []), (kind, due)


def test_the_top_level_is_cut_into_one_stage_per_repeat_back_to_the_earliest_due_date() -> None:
    top = [
        s for s in stages(POLICY, AS_OF, earliest=AS_OF - timedelta(days=60)) if s.kind == "escalation" and s.level == 3
    ]
    assert [s.seq for s in top] == list(range(len(top)))
    assert top[0].due_to == AS_OF - timedelta(days=15) and top[0].due_from == AS_OF - timedelta(days=21)
    assert all(later.due_from == earlier.due_to + timedelta(days=1) for later, earlier in pairwise(top))
    assert top[-1].due_from <= AS_OF - timedelta(days=60) <= top[-1].due_to  # and no further back
    assert not [s for s in stages(POLICY, AS_OF, earliest=None) if s.kind == "escalation" and s.level == 3]
    # an earliest due date newer than the top level's reach: no top-level stage at all
    assert not [s for s in stages(POLICY, AS_OF, earliest=AS_OF) if s.level == 3 and s.kind == "escalation"]


def test_recipient_roles_follow_the_level_to_then_cc_once_each() -> None:
    policy = policy_from_dict({**base(), "levels": [{"level": 1, "after_days": 1, "to": ["lead_head", "lead"],
                                                     "cc": ["lead", "office"]}]})
    assert recipient_roles(policy, kind="escalation", level=1) == ("lead_head", "lead", "office")
    assert recipient_roles(POLICY, kind="reminder", level=7) == ("lead",)
    assert recipient_roles(POLICY, kind="coordination_reminder", level=7) == ("coordinating",)
    with pytest.raises(KeyError):
        recipient_roles(POLICY, kind="escalation", level=9)
