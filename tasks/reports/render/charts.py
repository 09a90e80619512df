"""The report's two charts as PNG bytes (matplotlib, Agg backend, no pyplot global state).

    by_agency_png(figures)    completion by lead agency: stacked bars of the 2×2 statuses
    over_period_png(figures)  statuses at each month end of the period

Labels are Vietnamese (DejaVu Sans, matplotlib's bundled font, has every diacritic); the output
carries no timestamp, so the same figures give the same bytes.
"""

from __future__ import annotations

import io
import textwrap

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from tasks.escalation.status import Status
from tasks.reports.figures import IN_TERM_STATUSES, AgencyFigures, ReportFigures

__all__ = ["MAX_AGENCIES", "by_agency_png", "over_period_png"]

MAX_AGENCIES = 15  # more than this: the rest are summed as "Các cơ quan khác"
SERIES = (
    ("Hoàn thành đúng hạn", "#2e7d32"),
    ("Hoàn thành quá hạn", "#f9a825"),
    ("Đang thực hiện trong hạn", "#64b5f6"),
    ("Quá hạn", "#c62828"),
)
_DPI = 150


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None}, bbox_inches="tight")
    return buffer.getvalue()


def _agencies(rows: tuple[AgencyFigures, ...]) -> list[AgencyFigures]:
    if len(rows) <= MAX_AGENCIES:
        return list(rows)
    shown, rest = list(rows[: MAX_AGENCIES - 1]), rows[MAX_AGENCIES - 1 :]
    shown.append(
        AgencyFigures(
            agency_name=f"Các cơ quan khác ({len(rest)})",
            assigned=sum(r.assigned for r in rest),
            done_on_time=sum(r.done_on_time for r in rest),
            done_late=sum(r.done_late for r in rest),
            in_term=sum(r.in_term for r in rest),
            overdue=sum(r.overdue for r in rest),
            on_time_rate=None,
        )
    )
    return shown


def by_agency_png(figures: ReportFigures) -> bytes:
    rows = _agencies(figures.agencies)
    height = 1.2 + 0.3 * max(1, len(rows))
    fig = Figure(figsize=(7.0, height))
    ax = fig.add_subplot()
    labels = [textwrap.shorten(r.agency_name, 48, placeholder="…") for r in rows]
    values = [
        [r.done_on_time for r in rows],
        [r.done_late for r in rows],
        [r.in_term for r in rows],
        [r.overdue for r in rows],
    ]
    left = [0] * len(rows)
    for (label, color), data in zip(SERIES, values, strict=True):
        ax.barh(labels, data, left=left, color=color, label=label, height=0.6)
        left = [a + b for a, b in zip(left, data, strict=True)]
    for y, total in enumerate(left):
        ax.text(total, y, f" {total}", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("Số nhiệm vụ chủ trì")
    ax.tick_params(axis="y", labelsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max([*left, 1]) * 1.12)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=9, frameon=False)
    if not rows:
        ax.text(0.5, 0.5, "Chưa có nhiệm vụ", transform=ax.transAxes, ha="center")
    return _png(fig)


def over_period_png(figures: ReportFigures) -> bytes:
    points = figures.series
    fig = Figure(figsize=(7.0, 3.6))
    ax = fig.add_subplot()
    labels = [f"{p.on.day:02d}/{p.on.month:02d}" for p in points]
    values = [
        [p.counts[Status.DONE_ON_TIME] for p in points],
        [p.counts[Status.DONE_LATE] for p in points],
        [sum(p.counts[s] for s in IN_TERM_STATUSES) for p in points],
        [p.counts[Status.OVERDUE] for p in points],
    ]
    bottom = [0] * len(points)
    for (label, color), data in zip(SERIES, values, strict=True):
        ax.bar(labels, data, bottom=bottom, color=color, label=label, width=0.6)
        bottom = [a + b for a, b in zip(bottom, data, strict=True)]
    ax.set_ylabel("Số nhiệm vụ chủ trì")
    ax.set_xlabel("Ngày (cuối tháng)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=9, frameon=False)
    if not points:
        ax.text(0.5, 0.5, "Không có số liệu", transform=ax.transAxes, ha="center")
    return _png(fig)
