"""From a plan's tables to its task rows (the appendix: TT, Nội dung, Cơ quan chủ trì, ...).

Two shapes are understood, both found by header wording (tasks.importing.columns):

* flat (Bắc Giang "Biểu 05"): section rows "I | Nhiệm vụ trong Quý I/2020", then numbered task
  rows. ref = "<section>.<TT>" ("I.1", "III.14"), or just the TT when there are no sections.
* grouped (Bến Tre): a "Nội dung" column holds a group title and a separate "Nhiệm vụ" column
  the task. The group's TT and title are filled on its first row only (or merged down). ref =
  "<group TT>.<i>" with i counting the group's tasks ("4.7"). A group without a number gets
  "G<k>.<i>", k being the group's ordinal in its section (Bến Tre: "G6.1", "G7.1", "G8.1").
  Both get the section prefix when the table has section rows ("A.1.2").

A section without a code (a content-only first row) is "S<k>" in refs; a flat row without TT is
"n<k>" (k = its place in the section). Refs are unique: a repeat gets "-2", "-3" and a warning.

Tables continued after a page break (header repeated, or no header and nothing between the
tables) are concatenated with the section/group state carried over; repeated header rows are
skipped; a row with no TT and no lead right after a task is the rest of that task's row (split
by the page break) and is joined onto it. Rows that are not understood become warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks.importing.columns import Columns, find_header, fold, is_column_number_row, signature
from tasks.importing.readers import PlanDocument, PlanFileError, Table


@dataclass
class TaskRow:
    ref: str  # stable reference within the plan (see the module docstring)
    section: str | None  # section title, e.g. "Nhiệm vụ trong Quý I/2020"
    section_code: str | None  # "I"
    number: str | None  # the TT cell as written ("1"), or the group's number
    group: str | None  # group title (the "Nội dung" column when a "Nhiệm vụ" column exists)
    content: str  # the task text
    lead_text: str  # raw "Cơ quan/Đơn vị chủ trì" cell
    coordinating_text: str  # raw "Cơ quan/Đơn vị phối hợp" cell
    deadline_text: str  # raw "Thời gian/Thời hạn hoàn thành" cell ("" when the table has none)
    targets: dict[int, str] = field(default_factory=dict)  # {2020: "...", 2025: "..."}, empty ones omitted
    position: int = 0  # 0-based order in the document
    row_label: str = ""  # "bảng 3, dòng 14 (TT 8)": where the row is, for warnings


@dataclass
class AppendixResult:
    rows: list[TaskRow]
    warnings: list[str]


_SECTION_CODE_RE = re.compile(r"^(?:[IVXLC]{1,7}|[A-ZĐ])$")


def find_task_rows(doc: PlanDocument) -> AppendixResult:
    """The task rows of every task table, in document order, with warnings for odd rows.

    Raises PlanFileError when no table has a header naming a task column and a lead column.
    """
    builder = _Builder()
    previous: tuple[Table, Columns, tuple[tuple[str, ...], ...]] | None = None
    for table in doc.tables:
        header = find_header(table.rows)
        if header is not None:
            columns, start, header_rows = header.columns, header.last + 1, header.signature
        elif previous is not None and _continues(previous[0], table, previous[1]):
            (_, columns, header_rows), start = previous, 0
        else:
            previous = None  # another kind of table in between: no silent continuation across it
            continue
        for index in range(start, len(table.rows)):
            builder.add(table, index, columns, header_rows)
        previous = (table, columns, header_rows)
        builder.found = True
    if not builder.found:
        raise PlanFileError(
            f"no task table found: {len(doc.tables)} table(s) read, none has a header naming the task "
            "and its lead agency; expected a table with columns Nội dung (or Nhiệm vụ) / Cơ quan chủ trì "
            "(TT, Cơ quan phối hợp, Thời gian hoàn thành optional)"
        )
    return builder.finish()


def _continues(before: Table, table: Table, columns: Columns) -> bool:
    """A headerless table right after a task table, nothing between, no wider, and reaching the
    task and lead columns (plain text drops trailing empty cells): the rest of that table."""
    width = max((len(row) for row in table.rows), default=0)
    fits = max(columns.content, columns.lead) < width <= columns.width
    return table.paragraphs_before == before.paragraphs_before and fits


def _repeats_header(row: list[str], header_rows: tuple[tuple[str, ...], ...]) -> bool:
    # compare the first filled cell before folding the whole row: this runs on every row
    first = next((cell for cell in row if cell.strip()), "")
    if not any(fold(first) == next((c for c in sig if c), None) for sig in header_rows):
        return False
    return signature(row) in header_rows


def _join(head: str, tail: str) -> str:
    if not head:
        return tail
    if not tail:
        return head
    # a bullet starts a new line; anything else is the same sentence cut by the page break
    return f"{head}\n{tail}" if tail[:1] in "-+•*" else f"{head} {tail}"


@dataclass
class _Cells:
    tt: str
    group: str
    content: str
    lead: str
    coordinating: str
    deadline: str
    targets: dict[int, str]

    @classmethod
    def of(cls, table: Table, index: int, columns: Columns) -> _Cells:
        row = table.rows[index]

        def get(col: int | None) -> str:
            return row[col].strip() if col is not None and col < len(row) else ""

        def shared(col: int | None) -> str:
            # an agency, deadline or target merged down over several tasks applies to each of
            # them; TT and group cells merged down are left empty: the group state covers them
            text = get(col)
            origin = table.merged_from.get((index, col)) if not text and col is not None else None
            if origin is not None and origin[0] < index:
                text = table.rows[origin[0]][origin[1]].strip()
            return text

        targets = {year: shared(col) for year, col in sorted(columns.targets.items()) if shared(col)}
        return cls(
            tt=get(columns.tt),
            group=get(columns.group),
            content=get(columns.content),
            lead=shared(columns.lead),
            coordinating=shared(columns.coordinating),
            deadline=shared(columns.deadline),
            targets=targets,
        )

    @property
    def assignment_empty(self) -> bool:
        return not (self.lead or self.coordinating or self.deadline or self.targets)


class _Builder:
    def __init__(self) -> None:
        self.found = False
        self.rows: list[TaskRow] = []
        self._warnings: list[tuple[int, str]] = []  # (row sequence, text): reported in document order
        self._seq = 0
        self._refs: set[str] = set()
        self._task_seq: dict[int, int] = {}  # id(task) -> row sequence, to order its warnings
        self._section: str | None = None
        self._section_code: str | None = None
        self._section_key: str | None = None
        self._sections = 0
        self._reset_numbering()

    def _reset_numbering(self) -> None:
        self._last: TaskRow | None = None  # the task a split row would continue
        self._flat_count = 0
        self._groups = 0
        self._group_key: str | None = None
        self._group_number: str | None = None
        self._group_title: str | None = None
        self._group_count = 0

    def _warn(self, text: str) -> None:
        self._warnings.append((self._seq, text))

    def add(self, table: Table, index: int, columns: Columns, header_rows: tuple[tuple[str, ...], ...]) -> None:
        row = table.rows[index]
        self._seq += 1
        if not any(cell.strip() for cell in row) or is_column_number_row(row):
            return
        if _repeats_header(row, header_rows):
            return  # the header repeated at a page break
        cells = _Cells.of(table, index, columns)
        label = f"bảng {table.index + 1}, dòng {index + 1}" + (f" (TT {cells.tt})" if cells.tt else "")
        code = cells.tt.rstrip(".").strip()
        title = cells.group or cells.content
        if _SECTION_CODE_RE.match(code) and cells.assignment_empty and title:
            self._start_section(code, title)
        elif not cells.tt and not cells.group and cells.assignment_empty and cells.content and self._last is None:
            self._start_section(None, cells.content)  # an unnumbered heading before any task
        elif columns.group is not None and (cells.tt or cells.group) and not cells.content and cells.assignment_empty:
            self._open_group(cells.tt.rstrip(".").strip(), cells.group)  # a group heading; its tasks follow
        elif self._continues_previous(cells):
            self._merge(cells)
        elif not title and not cells.lead:
            shown = " | ".join(cell for cell in row if cell.strip())
            self._warn(f"{label}: row not understood (no task text and no lead agency), skipped: '{shown[:120]}'")
        else:
            self._add_task(cells, columns, label)

    def _start_section(self, code: str | None, title: str) -> None:
        self._sections += 1
        self._section, self._section_code = title, code
        self._section_key = code or f"S{self._sections}"
        self._reset_numbering()

    def _continues_previous(self, cells: _Cells) -> bool:
        last = self._last
        if last is None or cells.tt or cells.group:
            return False
        if not cells.lead:
            return True  # no new lead: the tail of the row above, cut by a page break
        # the lead cell that the page break pushed onto the next page; a row with its own task
        # text and lead is a task of its own (a sub-item under a numbered row)
        return not cells.content and not last.lead_text

    def _open_group(self, tt: str, title: str) -> None:
        self._groups += 1
        self._group_number = tt or None
        self._group_title = title or None
        self._group_key = tt or f"G{self._groups}"
        self._group_count = 0
        self._last = None  # a new group is never the tail of the previous task

    def _merge(self, cells: _Cells) -> None:
        last = self._last
        assert last is not None
        last.content = _join(last.content, cells.content)
        last.lead_text = _join(last.lead_text, cells.lead)
        last.coordinating_text = _join(last.coordinating_text, cells.coordinating)
        last.deadline_text = _join(last.deadline_text, cells.deadline)
        for year, text in cells.targets.items():
            last.targets[year] = _join(last.targets.get(year, ""), text)

    def _add_task(self, cells: _Cells, columns: Columns, label: str) -> None:
        tt = cells.tt.rstrip(".").strip()
        if columns.group is not None:
            new_group = (tt and tt != self._group_number) or (cells.group and cells.group != self._group_title)
            if new_group or self._group_key is None:
                self._open_group(tt, cells.group)
            self._group_count += 1
            core, number, group = f"{self._group_key}.{self._group_count}", self._group_number, self._group_title
        else:
            self._flat_count += 1
            core, number, group = tt or f"n{self._flat_count}", cells.tt or None, None
        ref = f"{self._section_key}.{core}" if self._section_key else core
        if ref in self._refs:
            suffix = 2
            while f"{ref}-{suffix}" in self._refs:
                suffix += 1
            self._warn(f"{label}: number {ref} is used twice in the appendix; this row is {ref}-{suffix}")
            ref = f"{ref}-{suffix}"
        self._refs.add(ref)
        task = TaskRow(
            ref=ref,
            section=self._section,
            section_code=self._section_code,
            number=number,
            group=group,
            content=cells.content or cells.group,
            lead_text=cells.lead,
            coordinating_text=cells.coordinating,
            deadline_text=cells.deadline,
            targets=dict(cells.targets),
            position=len(self.rows),
            row_label=label,
        )
        self.rows.append(task)
        self._last = task
        self._task_seq[id(task)] = self._seq

    def finish(self) -> AppendixResult:
        for task in self.rows:
            # checked after merging: a split row may have brought the missing cell
            seq = self._task_seq[id(task)]
            if not task.content:
                self._warnings.append((seq, f"{task.row_label}: task {task.ref} has no task text"))
            if not task.lead_text:
                self._warnings.append((seq, f"{task.row_label}: task {task.ref} has no lead agency (chủ trì)"))
        ordered = [text for _, text in sorted(self._warnings, key=lambda item: item[0])]
        return AppendixResult(rows=self.rows, warnings=ordered)
