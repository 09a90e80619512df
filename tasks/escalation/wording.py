"""Small pieces of Vietnamese wording shared by the letters (mail and công văn): lists of names,
what an agency last reported. Pure: no database, no templates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from tasks.common.dates import fmt_date

__all__ = ["clean_name", "counts_phrase", "join_names", "report_phrase"]

# what a name copied from a plan's cell may trail: "Sở, ngành," or "VPĐP;"
_TRAILING = " \t\r\n,;.:-–"


def clean_name(name: str) -> str:
    """One name without surrounding separators or doubled spaces: ``" Sở Tài chính, "`` -> ``"Sở Tài chính"``."""
    return " ".join(name.split()).strip(_TRAILING)


def join_names(names: Iterable[str]) -> str:
    """Names as a list, each once, cleaned: ``["Sở A", "Sở B,", "", "Sở A"]`` -> ``"Sở A, Sở B"``.

    Commas only: agency names hold "và" themselves ("Sở Kế hoạch và Đầu tư và Sở Tài chính" would
    read as one body)."""
    return ", ".join(n for n in dict.fromkeys(clean_name(n) for n in names) if n)


def report_phrase(*, reported_on: date | None, status: str | None, percent: int | None) -> str:
    """What the agency last reported, without its note: ``"đã báo cáo 60% ngày 05/03/2020"``,
    ``"báo cáo đang thực hiện ngày 05/03/2020"``, ``"chưa báo cáo kết quả"``."""
    if reported_on is None:
        return "chưa báo cáo kết quả"
    on = fmt_date(reported_on)
    if status == "done":
        return f"đã báo cáo hoàn thành ngày {on}"
    if percent is not None:
        return f"đã báo cáo {percent}% ngày {on}"
    if status == "in_progress":
        return f"đã báo cáo đang thực hiện ngày {on}"
    return f"đã báo cáo ngày {on}"



def counts_phrase(*, overdue: int = 0, due_soon: int = 0, later: int = 0, undated: int = 0) -> str:
    """``"5 nhiệm vụ quá hạn, 1 nhiệm vụ sắp đến hạn"``: the parts that are not zero, worst first."""
    parts = ((overdue, "quá hạn"), (due_soon, "sắp đến hạn"), (later, "chưa đến hạn"), (undated, "không có thời hạn"))
    return ", ".join(f"{n} nhiệm vụ {word}" for n, word in parts if n)
