"""The office's corrections in the import preview, checked and applied to a parsed plan (pure)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tasks.agencies.directory import AgencyDirectory
from tasks.importing.corrections import (
    CORRECTED,
    CorrectionError,
    HeadFix,
    RowFix,
    apply_corrections,
    head_fields,
    row_fields,
)
from tasks.importing.parse import ParsedPlan, parse_plan
from tasks.importing.readers import read_document
from tests.tasks.builders import build_docx_plan

HEADER = ["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]


def _plan(tmp_path: Path, *, head: list[str]) -> ParsedPlan:
    rows = [
        ["1", "Ban hành quy chế", "Sở Tài chính", "", "60 ngày kể từ ngày ban hành Kế hoạch"],
        ["2", "Xây dựng nhà văn hóa", "UBND xã Tân Sơn", "Sở Xây dựng", "Khi có chỉ đạo"],
    ]
    path = build_docx_plan(tmp_path / "plan.docx", head_paragraphs=head, header=HEADER, rows=rows)
    return parse_plan(read_document(path), AgencyDirectory.load(), source_name="plan.docx", province="bac-giang")


HEAD = ["ỦY BAN NHÂN DÂN", "TỈNH BẮC GIANG", "Số: 12/KH-UBND", "Bắc Giang, ngày 15 tháng 01 năm 2026", "KẾ HOẠCH",
        "Chuyển đổi số năm 2026"]


def _fix(plan: ParsedPlan, ref: str, **typed: str) -> dict[str, RowFix]:
    shown = row_fields(next(t for t in plan.tasks if t.ref == ref))
    return {ref: RowFix(**{**shown.__dict__, **typed})}


def test_agencies_typed_without_tone_marks_are_found_and_the_row_no_longer_needs_review(tmp_path: Path) -> None:
    plan = _plan(tmp_path, head=HEAD)
    done = apply_corrections(plan, head=None, rows=_fix(plan, "2", lead="so xay dung", coordinating="SỞ TÀI CHÍNH"))
    task = plan.tasks[1]
    assert [a.name for a in task.lead] == ["Sở Xây dựng"] and [a.name for a in task.coordinating] == ["Sở Tài chính"]
    assert task.unresolved == [] and not [u for u in plan.unresolved if u["ref"] == "2"]
    assert "agency not resolved" not in task.review and CORRECTED in task.review
    assert done.tasks["2"]["lead"] == ["UBND xã Tân Sơn", "Sở Xây dựng"]


def test_fields_sent_back_as_shown_change_nothing(tmp_path: Path) -> None:
    plan = _plan(tmp_path, head=HEAD)
    rows = {t.ref: row_fields(t) for t in plan.tasks}
    assert not apply_corrections(plan, head=head_fields(plan), rows=rows)


def test_every_problem_is_reported_by_row_and_field_and_nothing_is_applied(tmp_path: Path) -> None:
    plan = _plan(tmp_path, head=HEAD)
    rows = {**_fix(plan, "1", content="Ban hành quy chế mới", deadline="31/02/2026"),
            **_fix(plan, "2", lead="Sở Không Có")}
    with pytest.raises(CorrectionError) as caught:
        apply_corrections(plan, head=HeadFix(code="", issued_on="15/01/2026", title="x"), rows=rows)
    errors = caught.value.errors
    assert set(errors) == {"head", "1", "2"}
    assert "code" in errors["head"] and "deadline" in errors["1"] and "“Sở Không Có”" in errors["2"]["lead"]
    assert plan.tasks[0].row.content == "Ban hành quy chế" and plan.code == "12/KH-UBND"  # untouched


def test_a_corrected_issue_date_moves_the_deadlines_counted_from_it(tmp_path: Path) -> None:
    plan = _plan(tmp_path, head=["KẾ HOẠCH", "Chuyển đổi số năm 2026"])  # no number, no date: none counted
    assert plan.tasks[0].due_date is None and "deadline not read" in plan.tasks[0].review
    done = apply_corrections(plan, head=HeadFix(code="Số: 12/KH-UBND", issued_on="15/01/2026", title="Chuyển đổi số"),
                             rows={})
    assert (plan.code, plan.meta.issued_on, plan.meta.title) == ("12/KH-UBND", date(2026, 1, 15), "Chuyển đổi số")
    assert plan.tasks[0].due_date == date(2026, 3, 16)  # 60 days from 15/01/2026
    assert "deadline not read" not in plan.tasks[0].review and "deadline not read" in plan.tasks[1].review
    assert done.head["issued_on"] == [None, date(2026, 1, 15)]
