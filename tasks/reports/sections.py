"""The three sections of the report (I. results, II. shortcomings, III. proposals) as blocks."""

from __future__ import annotations

from collections import Counter

from tasks.escalation.status import Status
from tasks.indicators.targets import IndicatorProgress, fmt_number
from tasks.reports.content import (
    Block,
    Bullets,
    ChartBlock,
    Paragraph,
    ReportData,
    Section,
    TableBlock,
    agency_row,
    excerpt,
    fmt_date,
    fmt_rate,
)
from tasks.reports.figures import vi_sort_key

AGENCY_COLUMNS = (
    "TT",
    "Cơ quan, đơn vị chủ trì",
    "Được giao",
    "Hoàn thành đúng hạn",
    "Hoàn thành quá hạn",
    "Đang thực hiện trong hạn",
    "Quá hạn",
    "Tỷ lệ đúng hạn",
)
OVERDUE_COLUMNS = ("TT", "Nhiệm vụ", "Cơ quan chủ trì", "Hạn hoàn thành", "Số ngày quá hạn", "Mức đôn đốc")
NO_INDICATORS = "Kế hoạch không có chỉ tiêu định lượng để theo dõi trong kỳ báo cáo."


def _pct(part: int, whole: int) -> str:
    return fmt_number(round(part / whole * 100, 1)) + "%" if whole else "0%"


def _summary(data: ReportData) -> list[Block]:
    f = data.figures
    t = f.totals
    c = f.counts
    as_of = fmt_date(data.as_of)
    blocks: list[Block] = [Paragraph("1. Tình hình thực hiện nhiệm vụ", "heading2")]
    if t.assigned == 0:
        blocks.append(Paragraph(f"Tính đến ngày {as_of}, Kế hoạch chưa có nhiệm vụ nào được giao chủ trì thực hiện."))
        return blocks
    not_done = t.in_term + t.overdue
    blocks.append(
        Paragraph(
            f"Tính đến ngày {as_of}, Kế hoạch có {t.assigned} nhiệm vụ do {len(f.agencies)} cơ quan, đơn vị "
            f"chủ trì thực hiện (ngoài ra có {f.coordinating} lượt phân công phối hợp); trong đó:"
        )
    )
    blocks.append(
        Bullets(
            (
                (
                    f"Đã hoàn thành {t.done} nhiệm vụ ({_pct(t.done, t.assigned)}), gồm {t.done_on_time} nhiệm vụ "
                    f"hoàn thành đúng hạn và {t.done_late} nhiệm vụ hoàn thành quá hạn;"
                ),
                (
                    f"Chưa hoàn thành {not_done} nhiệm vụ, gồm {t.in_term} nhiệm vụ đang thực hiện trong hạn (trong đó "
                    f"{c[Status.DUE_SOON]} nhiệm vụ sắp đến hạn, {c[Status.NO_DEADLINE]} nhiệm vụ thường xuyên "
                    f"không có thời hạn) và {t.overdue} nhiệm vụ quá hạn;"
                ),
                (
                    "Tỷ lệ hoàn thành đúng hạn (trên số nhiệm vụ đã hoàn thành hoặc đã quá hạn): "
                    f"{fmt_rate(t.on_time_rate)};"
                ),
                (
                    f"Trong kỳ báo cáo ({fmt_date(f.period_start)} - {fmt_date(f.period_end)}) có {f.due_in_period} "
                    f"nhiệm vụ đến hạn và {f.completed_in_period} nhiệm vụ được hoàn thành."
                ),
            )
        )
    )
    blocks.append(
        TableBlock(
            columns=("Tình trạng", "Đúng hạn, trong hạn", "Quá hạn", "Cộng"),
            rows=(
                ("Đã hoàn thành", str(t.done_on_time), str(t.done_late), str(t.done)),
                ("Chưa hoàn thành", str(t.in_term), str(t.overdue), str(not_done)),
                ("Cộng", str(t.done_on_time + t.in_term), str(t.done_late + t.overdue), str(t.assigned)),
            ),
            numeric=(1, 2, 3),
            widths=(4, 3, 3, 2),
            total_last=True,
        )
    )
    return blocks


def _agencies(data: ReportData) -> list[Block]:
    f = data.figures
    blocks: list[Block] = [Paragraph("2. Kết quả thực hiện theo cơ quan, đơn vị chủ trì", "heading2")]
    if not f.agencies:
        blocks.append(Paragraph("Chưa có cơ quan, đơn vị nào được giao chủ trì nhiệm vụ."))
        return blocks
    rows = [agency_row(str(i), row) for i, row in enumerate(f.agencies, 1)]
    rows.append(agency_row("", f.totals))
    blocks.append(
        TableBlock(
            AGENCY_COLUMNS,
            tuple(rows),
            numeric=(0, 2, 3, 4, 5, 6, 7),
            widths=(0.9, 5, 1.3, 1.6, 1.6, 1.6, 1.2, 1.5),
            total_last=True,
        )
    )
    blocks.append(
        ChartBlock(
            "by_agency", f"Biểu đồ 1. Kết quả thực hiện nhiệm vụ theo cơ quan chủ trì (đến ngày {fmt_date(data.as_of)})"
        )
    )
    if f.series:
        blocks.append(
            ChartBlock(
                "over_period", f"Biểu đồ 2. Tình trạng thực hiện nhiệm vụ cuối mỗi tháng, {data.period.label_vi}"
            )
        )
    return blocks


def _indicator_cells(row: IndicatorProgress, *, years: bool = True) -> tuple[str, ...]:
    """Unit, baseline, target, latest value, where it should be now, verdict (years in brackets)."""
    ind, target, actual = row.indicator, row.target, row.actual
    base = "-"
    if ind.baseline is not None:
        base = fmt_number(ind.baseline) + (f"\n({ind.baseline_year})" if years and ind.baseline_year else "")
    goal = "-"
    if target is not None:
        goal = target.text() + ((f"\n({target.year}" + (", hằng năm)" if target.per_year else ")")) if years else "")
    value = f"{fmt_number(actual.value)}\n({fmt_date(actual.reported_on)})" if actual else "-"
    expected = fmt_number(round(row.expected, 2)) if row.expected is not None else "-"
    return (ind.unit, base, goal, value, expected, row.verdict[:1].upper() + row.verdict[1:])


def _group_title(r: IndicatorProgress) -> str:
    """'Số xã đạt chuẩn nông thôn mới (xã; thực hiện 2019, kế hoạch 2020)'."""
    ind, target = r.indicator, r.target
    when = []
    if ind.baseline_year:
        when.append(f"thực hiện {ind.baseline_year}")
    if target is not None:
        when.append(f"kế hoạch {target.year}")
    return f"{ind.name} ({ind.unit}" + (f"; {', '.join(when)})" if when else ")")


def _indicators(data: ReportData) -> list[Block]:
    blocks: list[Block] = [Paragraph("3. Kết quả thực hiện các chỉ tiêu", "heading2")]
    if not data.indicators:
        blocks.append(Paragraph(NO_INDICATORS))
        return blocks
    head = (
        "Đơn vị tính",
        "Cơ sở",
        "Kế hoạch",
        f"Kết quả đến {fmt_date(data.as_of)}",
        "Mức cần đạt đến nay",
        "Đánh giá",
    )
    plan_level = [r for r in data.indicators if r.indicator.district is None]
    if plan_level:
        rows = tuple((str(i), r.indicator.name, *_indicator_cells(r)) for i, r in enumerate(plan_level, 1))
        blocks.append(
            TableBlock(
                ("TT", "Chỉ tiêu", *head),
                rows,
                numeric=(0, 3, 4, 5, 6),
                widths=(0.8, 3.8, 1.4, 1.4, 1.5, 2.5, 1.4, 1.8),
            )
        )
    by_group: dict[str, list[IndicatorProgress]] = {}
    for r in data.indicators:
        if r.indicator.district is not None:
            by_group.setdefault(_group_title(r), []).append(r)
    if by_group:
        blocks.append(Paragraph("Chỉ tiêu giao theo huyện, thành phố:", "body"))
        rows_d: list[tuple[str, ...]] = []
        groups: list[int] = []
        for title, items in by_group.items():
            groups.append(len(rows_d))
            rows_d.append((title, "", "", "", "", ""))
            for r in items:
                cells = _indicator_cells(r, years=False)
                rows_d.append((r.indicator.district or "", *cells[1:]))
        blocks.append(
            TableBlock(
                ("Huyện, thành phố", *head[1:]),
                tuple(rows_d),
                numeric=(1, 2, 3, 4),
                widths=(4, 1.5, 1.5, 2.2, 1.6, 1.8),
                group_rows=tuple(groups),
            )
        )
    return blocks


def _narratives(data: ReportData) -> list[Block]:
    blocks: list[Block] = [Paragraph("4. Báo cáo của các cơ quan, đơn vị", "heading2")]
    if not data.narratives:
        blocks.append(Paragraph("Chưa có báo cáo của cơ quan, đơn vị nào trong kỳ."))
        return blocks
    items = []
    for n in sorted(data.narratives, key=lambda n: (vi_sort_key(n.agency_name), n.task_ref or "", n.reported_on)):
        where = f"nhiệm vụ {n.task_ref}, " if n.task_ref else ""
        items.append(f"{n.agency_name} ({where}báo cáo ngày {fmt_date(n.reported_on)}): “{excerpt(n.text)}”")
    blocks.append(Bullets(tuple(items)))
    return blocks


def _shortcomings(data: ReportData) -> list[Block]:
    f = data.figures
    blocks: list[Block] = [Paragraph("1. Nhiệm vụ quá hạn chưa hoàn thành", "heading2")]
    if not f.overdue:
        blocks.append(Paragraph(f"Đến ngày {fmt_date(data.as_of)}, không có nhiệm vụ quá hạn chưa hoàn thành."))
    else:
        buckets = Counter(item.bucket for item in f.overdue if item.bucket)
        detail = ", ".join(
            f"{buckets[b]} nhiệm vụ quá hạn trên {b[1:]} ngày" for b in (">120", ">60", ">30") if buckets[b]
        )
        blocks.append(
            Paragraph(
                f"Đến ngày {fmt_date(data.as_of)}, còn {len(f.overdue)} nhiệm vụ quá hạn chưa hoàn thành"
                + (f" ({detail})" if detail else "")
                + ", cụ thể:"
            )
        )
        rows = tuple(
            (
                str(i),
                excerpt(f"{item.task_ref}. {item.content}", 220),
                item.agency_name,
                fmt_date(item.due_date),
                str(item.age_days),
                f"Cấp {item.escalation_level}" if item.escalation_level else "Chưa",
            )
            for i, item in enumerate(f.overdue[: data.overdue_limit], 1)
        )
        blocks.append(TableBlock(OVERDUE_COLUMNS, rows, numeric=(0, 3, 4, 5), widths=(0.9, 6.0, 3.2, 2.1, 1.3, 1.5)))
        if len(rows) < len(f.overdue):
            blocks.append(
                Paragraph(
                    f"(Bảng trên nêu {len(rows)} nhiệm vụ quá hạn lâu nhất; danh sách đầy đủ {len(f.overdue)} nhiệm vụ "
                    "tại tệp Excel kèm theo.)",
                    "note",
                )
            )
    blocks.append(Paragraph("2. Cơ quan, đơn vị chưa gửi báo cáo", "heading2"))
    if data.missing_reports:
        names = sorted(data.missing_reports, key=vi_sort_key)
        blocks.append(
            Paragraph(
                f"Đến ngày {fmt_date(data.as_of)}, còn {len(names)} cơ quan, đơn vị chưa gửi báo cáo "
                f"{data.period.label_vi}:"
            )
        )
        blocks.append(Bullets(tuple(names)))
    else:
        blocks.append(Paragraph("Các cơ quan, đơn vị đã gửi báo cáo theo quy định."))
    return blocks


def _proposals(data: ReportData) -> list[Block]:
    f = data.figures
    items = list(data.proposals)
    late = Counter(item.agency_name for item in f.overdue)
    if late:
        names = ", ".join(
            f"{name} ({n} nhiệm vụ)" for name, n in sorted(late.items(), key=lambda p: (-p[1], vi_sort_key(p[0])))[:8]
        )
        items.append(
            f"Đề nghị các cơ quan, đơn vị có nhiệm vụ quá hạn: {names} khẩn trương hoàn thành, báo cáo kết quả "
            "và nêu rõ nguyên nhân chậm trễ."
        )
    if data.missing_reports:
        items.append(
            f"Đề nghị các cơ quan, đơn vị chưa gửi báo cáo {data.period.label_vi} khẩn trương gửi báo cáo "
            "để tổng hợp theo quy định."
        )
    slow = [r.indicator.name for r in data.indicators if r.verdict == "chậm tiến độ" and r.indicator.district is None]
    if slow:
        items.append("Tập trung chỉ đạo thực hiện các chỉ tiêu chậm tiến độ: " + "; ".join(slow[:6]) + ".")
    items.append(
        "Các cơ quan, đơn vị tiếp tục triển khai các nhiệm vụ được giao, cập nhật tiến độ thường xuyên "
        "trên hệ thống theo dõi, đôn đốc nhiệm vụ."
    )
    closing = f"Trên đây là báo cáo kết quả thực hiện Kế hoạch số {data.plan_code} {data.period.label_vi}./."
    return [Bullets(tuple(items)), Paragraph(closing)]


def sections(data: ReportData) -> tuple[Section, ...]:
    return (
        Section(
            "I. KẾT QUẢ THỰC HIỆN", (*_summary(data), *_agencies(data), *_indicators(data), *_narratives(data))
        ),
        Section("II. TỒN TẠI, HẠN CHẾ", tuple(_shortcomings(data))),
        Section("III. ĐỀ XUẤT, KIẾN NGHỊ", tuple(_proposals(data))),
    )
