"""What `dondoc import` says of a plan's reporting clause: the periodic duty on the written dates,
or, for a clause without a date, the clause itself and the proposed dates the duties fall on
(never "periodic report duty: ," with nothing after it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flows.cli.importing import CLAUSE_SHOWN, reporting_lines
from tasks.importing.reporting import ReportingSchedule
from tests.conftest import CliResult
from tests.flows.importing.test_programme_import import word_programme


def test_an_undated_reporting_clause_is_printed_as_written_with_the_proposed_dates_and_reviews(
        db_url: str, run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    assert run_cli("province", "add", "bac-ninh").code == 0
    r = run_cli("import", str(word_programme(tmp_path / "chuong-trinh-12.docx")))
    assert r.code == 0, r.err
    lines = [line.strip() for line in r.out.splitlines()]
    assert "periodic report duty: ," not in r.out
    [clause] = [line for line in lines if line.startswith("periodic report clause without a date: ")]
    assert "Hằng năm, các cơ quan báo cáo kết quả thực hiện" in clause and "sơ kết 3 năm" in clause
    assert ("periodic report duty on proposed dates (the usual dates of its periods): 15/12 to Sở Nông nghiệp và "
            "Môi trường, owed by every agency with a tracked task (the proposals once confirmed)") in lines
    assert any(line.startswith("review duties (sơ kết 3 năm, tổng kết 5 năm): due at the end of each review's last "
                               "year") for line in lines)


def test_a_dated_clause_gives_its_dates_and_a_clause_naming_no_usual_period_the_usual_half_year_and_year() -> None:
    dated = ReportingSchedule([(6, 15, "H1"), (12, 15, "year")], "Sở Tài chính", "Định kỳ 6 tháng (15/6) ...")
    assert reporting_lines(dated) == [
        "periodic report duty: 15/06 and 15/12 to Sở Tài chính, owed by every agency with a tracked task"]
    reviews_only = ReportingSchedule([], None, "Tổ chức sơ kết 3 năm, tổng kết 5 năm việc thực hiện Nghị quyết.")
    first, second, third = reporting_lines(reviews_only, proposals_only=True)
    assert first == ("periodic report clause without a date: "
                     "Tổ chức sơ kết 3 năm, tổng kết 5 năm việc thực hiện Nghị quyết.")
    assert second.startswith("periodic report duty on proposed dates (no period with a usual date named")
    assert second.endswith(": 15/06 and 15/12, owed by every agency with a tracked task (the proposals once confirmed)")
    assert third.startswith("review duties (sơ kết 3 năm, tổng kết 5 năm)")
    term = ReportingSchedule([], None, "Định kỳ hằng năm báo cáo kết quả; tổng kết giai đoạn thực hiện Kế hoạch.")
    assert reporting_lines(term)[-1].startswith("review duties (tổng kết giai đoạn): due at the end")
    long = ReportingSchedule([], None, "Định kỳ hàng năm báo cáo " + "rất dài " * 100)
    shown = reporting_lines(long)[0].removeprefix("periodic report clause without a date: ")
    assert len(shown) == CLAUSE_SHOWN and shown.endswith("…")
