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

Heading rows are never tasks and never joined to a task: a numbered row with no agency and no
deadline over rows numbered as its children ("1" over "1.1", "a", "-", or unnumbered rows) is a
group of a flat table (refs "1.1", "1.a", "1.<i>"), and so is a row without agency ending in ":"
("Nhiệm vụ năm 2026, bao gồm:" | ... | "Theo thời hạn cụ thể sau đây:"), unnumbered ones as
"G<k>". A row of header wording only (a second header line) is skipped like a repeated header.

Tables continued after a page break (header repeated, or no header and nothing between the
tables) are concatenated with the section/group state carried over; repeated header rows are
skipped; a row with no TT and no lead right after a task is the rest of that task's row (split
by the page break) and is joined onto it. Rows that are not understood become warnings.

A table whose wording is not understood is read through the office's column mapping (--columns,
tasks.importing.layouts), given now or remembered for its layout; its tasks say so (mapped).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tasks.importing.columns import (
    Columns,
    find_header,
    fold,
    is_column_number_row,
    is_header_row,
    layout_header,
    layout_signature,
    signature,
)
from tasks.importing.layouts import ColumnMapping
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
    code: str | None = None  # the task's code in a "Mã nhiệm vụ" column (KH12_CĐS_01.2): its reference outside
    mapped: bool = False  # read through a column mapping the office chose (--columns), not the header's wording


@dataclass
class AppendixResult:
    rows: list[TaskRow]
    warnings: list[str]
    # the layout (folded header cells) the office's --columns mapping was applied to, to remember it by
    mapped_layout: tuple[str, ...] | None = None


Layouts = Callable[[tuple[str, ...]], ColumnMapping | None]  # a layout's remembered mapping, if any


# a section's code: a valid Roman numeral of any length ("I", "XLIX", "LXXXVIII", "MCMXCIX"; the
# lookahead keeps the all-optional pattern from matching nothing), or one capital letter ("A", "Đ")
ROMAN_NUMERAL = r"(?=[MDCLXVI])M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_SECTION_CODE_RE = re.compile(rf"^(?:{ROMAN_NUMERAL}|[A-ZĐ])$")
_BULLET_RE = re.compile(r"^[-+•*–]$")
_LETTER_RE = re.compile(r"^[a-zđ]{1,3}[.)]?$")  # "a", "b)", "đ.": items under a numbered row
_LABEL_RE = re.compile(r"^[^\W\d_]{2,12}\s+\S{1,8}$")  # a TT cell naming a group: "Nhóm 1", "Phần II"
# a heading typed in the TT cell merged across the row: "2. Nhiệm vụ về chuyển đổi số", "II. Giải pháp"
_HEADING_RE = re.compile(rf"^(?:({ROMAN_NUMERAL}|[A-ZĐ]|\d{{1,2}}(?:\.\d{{1,2}})*)[.)]?\s+)?(\S.*\s.*)$", re.DOTALL)


def find_task_rows(
    doc: PlanDocument, *, columns: ColumnMapping | None = None, layouts: Layouts | None = None
) -> AppendixResult:
    """The task rows of every task table, in document order, with warnings for odd rows.

    ``columns``: the office's mapping (--columns), applied to the first table wide enough for it
    whose wording is not understood (else the first wide enough) and to the tables of the same
    layout. ``layouts``: the mappings remembered by layout, which win over the wording.

    Raises PlanFileError when no table has a header naming a task column and a lead column, or
    when no table fits ``columns``.
    """
    builder = _Builder()
    target = _mapped_layout(doc.tables, columns) if columns is not None else None
    previous: tuple[Table, Columns, tuple[tuple[str, ...], ...]] | None = None
    for table in doc.tables:
        mapped = _mapping(table, columns, target, layouts)
        header = find_header(table.rows) if mapped is None else None
        if mapped is not None:
            found, start, header_rows = mapped
        elif header is not None:
            found, start, header_rows = header.columns, header.last + 1, header.signature
        elif previous is not None and _continues(previous[0], table, previous[1]):
            (_, found, header_rows), start = previous, 0
        else:
            previous = None  # another kind of table in between: no silent continuation across it
            continue
        for index in range(start, len(table.rows)):
            builder.add(table, index, found, header_rows)
        previous = (table, found, header_rows)
        builder.found = True
    if not builder.found:
        raise PlanFileError(
            f"no task table found: {len(doc.tables)} table(s) read, none has a header naming the task "
            "and its lead agency; expected a table with columns Nội dung (or Nhiệm vụ) / Cơ quan chủ trì "
            "(TT, Cơ quan phối hợp, Thời gian hoàn thành optional)" + columns_hint(doc.tables)
        )
    result = builder.finish()
    result.mapped_layout = target
    return result


def _layout_row(table: Table) -> int | None:
    header = find_header(table.rows)
    return header.first if header is not None else layout_header(table.rows)


def _table_layout(table: Table) -> tuple[str, ...] | None:
    index = _layout_row(table)
    return layout_signature(table.rows[index]) if index is not None else None


def _width(table: Table) -> int:
    return max((len(row) for row in table.rows), default=0)


def _mapped_layout(tables: list[Table], columns: ColumnMapping) -> tuple[str, ...]:
    """The layout the office's mapping is for: the first table wide enough for it whose wording
    is not understood, else the first wide enough (the office overrides the wording)."""
    wide = [table for table in tables if _width(table) >= columns.widest and layout_header(table.rows) is not None]
    chosen = next((table for table in wide if find_header(table.rows) is None), wide[0] if wide else None)
    layout = _table_layout(chosen) if chosen is not None else None
    if layout is None:
        widest = max((_width(table) for table in tables), default=0)
        raise PlanFileError(
            f"--columns {columns.spec()}: no table has {columns.widest} columns under a header row "
            f"({len(tables)} table(s) read, the widest has {widest})"
        )
    return layout


def _mapping(
    table: Table, columns: ColumnMapping | None, target: tuple[str, ...] | None, layouts: Layouts | None
) -> tuple[Columns, int, tuple[tuple[str, ...], ...]] | None:
    """The table's columns, first data row and header rows when a mapping (given or remembered) is
    for its layout; None to read it by wording."""
    if columns is None and layouts is None:
        return None
    index = _layout_row(table)
    if index is None:
        return None
    layout = layout_signature(table.rows[index])
    mapping = columns if columns is not None and layout == target else (layouts(layout) if layouts else None)
    if mapping is None or mapping.widest > _width(table):
        return None
    return mapping.columns(_width(table)), index + 1, (signature(table.rows[index]),)


def columns_hint(tables: list[Table]) -> str:
    """How to name the columns by hand, showing the header of the widest table with one."""
    headed = [(table, row) for table in tables if (row := layout_header(table.rows)) is not None]
    if not headed:
        return ""
    table, row = max(headed, key=lambda item: _width(item[0]))
    shown = " | ".join(f"{col} {' '.join(cell.split())[:30]}" for col, cell in enumerate(table.rows[row], 1)
                       if cell.strip())
    return (f"; or name the columns: dondoc import FILE --columns task=N,lead=N[,coordinating=N,due=N,code=N,"
            f"number=N] (bảng {table.index + 1}: {shown})")


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


def _numbers_tasks(table: Table, columns: Columns) -> bool:
    """Does the TT column number the tasks of a grouped table (a TT beside a group cell merged
    from above) rather than its groups? Then a group starts only where the group column has text."""
    if columns.group is None or columns.tt is None:
        return False
    group, tt = columns.group, columns.tt
    return any(
        tt < len(row) and row[tt].strip() and table.merged_from.get((index, group), (index, group))[0] < index
        for index, row in enumerate(table.rows)
    )


def _is_child(tt: str, parent: str | None) -> bool:
    """Is a row numbered `tt` an item under the heading numbered `parent` ("1.2", "a", "-" or none under "1")?"""
    if not tt or _BULLET_RE.match(tt) or _LETTER_RE.match(tt):
        return True
    return parent is None or tt.startswith(parent + ".")


@dataclass
class _Cells:
    tt: str
    group: str
    content: str
    lead: str
    coordinating: str
    deadline: str
    targets: dict[int, str]
    code: str = ""
    group_covered: bool = False  # the group cell is part of a merge from a row above
    # the deadline cell of a heading ("Theo thời hạn cụ thể sau đây:"): a heading's mark, not a date
    heading_deadline: bool = False

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

        group = get(columns.group)
        covered = columns.group is not None and not group and (
            table.merged_from.get((index, columns.group), (index, 0))[0] < index)
        deadline = shared(columns.deadline)
        heading_deadline = deadline.endswith(":")
        targets = {year: shared(col) for year, col in sorted(columns.targets.items()) if shared(col)}
        return cls(
            tt=get(columns.tt),
            group=group,
            content=get(columns.content),
            lead=shared(columns.lead),
            coordinating=shared(columns.coordinating),
            deadline="" if heading_deadline else deadline,
            targets=targets,
            code=get(columns.code),
            group_covered=covered,
            heading_deadline=heading_deadline,
        )

    @property
    def assignment_empty(self) -> bool:
        return not (self.lead or self.coordinating or self.deadline or self.targets)

    def spanning_heading(self) -> bool:
        """Only the TT cell is filled, with words: a heading typed across the row from the TT column."""
        return bool(self.tt) and not (self.content or self.group or self.code) and self.assignment_empty and bool(
            _HEADING_RE.match(self.tt)) and any(ch.isalpha() for ch in self.tt[2:])


@dataclass
class _Pending:
    """A numbered row without agency or deadline: a group heading if the next row is one of its
    items, else a task without lead (decided on the next row)."""

    cells: _Cells
    columns: Columns
    label: str
    seq: int


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
        self._pending: _Pending | None = None
        # in a grouped table, the TT column numbers the tasks when it changes inside a merged
        # group cell; a group then starts only where the group column has text
        self._tt_numbers_tasks = False
        self._tables_seen: set[int] = set()
        self._reset_numbering()

    def _reset_numbering(self) -> None:
        self._last: TaskRow | None = None  # the task a split row would continue
        self._flat_count = 0
        self._groups = 0
        self._close_group()

    def _close_group(self) -> None:
        self._group_key: str | None = None
        self._group_number: str | None = None
        self._group_title: str | None = None
        self._group_count = 0
        # an unnumbered heading after task "2" whose items are "a", "b": the group ends at "3"
        self._group_anchor: str | None = None

    def _warn(self, text: str) -> None:
        self._warnings.append((self._seq, text))

    def add(self, table: Table, index: int, columns: Columns, header_rows: tuple[tuple[str, ...], ...]) -> None:
        row = table.rows[index]
        self._seq += 1
        if table.index not in self._tables_seen:
            self._tables_seen.add(table.index)
            self._tt_numbers_tasks = self._tt_numbers_tasks or _numbers_tasks(table, columns)
        if not any(cell.strip() for cell in row) or is_column_number_row(row):
            return
        if _repeats_header(row, header_rows) or is_header_row(row):
            return  # the header repeated at a page break, or its second line in other words
        cells = _Cells.of(table, index, columns)
        label = f"bảng {table.index + 1}, dòng {index + 1}" + (f" (TT {cells.tt})" if cells.tt else "")
        heading = cells.spanning_heading()
        if heading:
            match = _HEADING_RE.match(cells.tt)
            assert match is not None
            cells.tt, cells.content = match.group(1) or "", match.group(2).strip()
        code = cells.tt.rstrip(".").strip()
        title = cells.group or cells.content
        heading = heading or (bool(title) and not (cells.lead or cells.coordinating or cells.targets) and (
            title.endswith(":") or cells.heading_deadline))
        if self._pending is not None and self._settle_pending(cells, code, heading):
            return
        flat = columns.group is None
        if _SECTION_CODE_RE.match(code) and cells.assignment_empty and title:
            self._start_section(code, title)
        elif heading and flat and code:
            self._open_group(code, title)
        elif heading and flat and (self._last is not None or self._group_key is not None):
            last = self._last
            self._open_group("", title)  # an unnumbered heading among the tasks
            self._group_anchor = last.number.rstrip(".").strip() if last is not None and last.number else None
        elif not cells.tt and not cells.group and cells.assignment_empty and cells.content and self._last is None \
                and (self._group_key is None or heading):
            self._start_section(None, cells.content)  # an unnumbered heading before any task
        elif not flat and (heading or ((cells.tt or cells.group) and not cells.content and cells.assignment_empty)):
            self._open_group(code, cells.group or cells.content)  # a group heading; its tasks follow
        elif heading:
            return  # a heading's mark alone ("Theo thời hạn cụ thể sau đây:"): nothing to read
        elif flat and title and cells.assignment_empty and _LABEL_RE.match(code):
            self._open_group("", f"{code} - {title}")  # "Nhóm 1" | "Các nhiệm vụ về thể chế": its tasks count afresh
        elif flat and code and title and cells.assignment_empty:
            self._pending = _Pending(cells, columns, label, self._seq)
        elif self._continues_previous(cells):
            self._merge(cells)
        elif not title and not cells.lead:
            shown = " | ".join(cell for cell in row if cell.strip())
            self._warn(f"{label}: row not understood (no task text and no lead agency), skipped: '{shown[:120]}'")
        else:
            self._add_task(cells, columns, label)

    def _settle_pending(self, cells: _Cells, code: str, heading: bool) -> bool:
        """Decide what the pending numbered row is, given the row after it; True if that row was
        taken in by it (the rest of its text, or its lead pushed onto the next page)."""
        pending = self._pending
        assert pending is not None
        if not cells.tt and not cells.group and not heading:
            if not cells.content and cells.lead:  # the lead cell a page break pushed onto the next page
                self._flush_pending()
                self._merge(cells)
                return True
            if cells.content and cells.assignment_empty:  # the rest of its text, cut by a page break
                pending.cells.content = _join(pending.cells.content, cells.content)
                return True
        parent = pending.cells.tt.rstrip(".").strip()
        if not heading and not _SECTION_CODE_RE.match(code) and (cells.content or cells.lead) \
                and _is_child(code, parent):
            self._pending = None
            self._open_group(parent, pending.cells.content)
        else:
            self._flush_pending()
        return False

    def _flush_pending(self) -> None:
        """The pending row is a task (without lead) after all."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        seq, self._seq = self._seq, pending.seq
        try:
            self._add_task(pending.cells, pending.columns, pending.label)
        finally:
            self._seq = seq

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
        # a flat table's numbered heading is its own key ("2" over "2.1", "2.a"); its tasks say so
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
        last.code = last.code or cells.code or None
        for year, text in cells.targets.items():
            last.targets[year] = _join(last.targets.get(year, ""), text)

    def _add_task(self, cells: _Cells, columns: Columns, label: str) -> None:
        tt = cells.tt.rstrip(".").strip()
        if columns.group is not None:
            new_title = bool(cells.group) and cells.group != self._group_title
            new_number = bool(tt) and tt != self._group_number and not cells.group_covered \
                and not self._tt_numbers_tasks
            if new_title or new_number or self._group_key is None:
                self._open_group("" if self._tt_numbers_tasks else tt, cells.group)
            self._group_count += 1
            core, group = f"{self._group_key}.{self._group_count}", self._group_title
            number = (cells.tt or self._group_number) if self._tt_numbers_tasks else self._group_number
        else:
            self._flat_count += 1
            if self._group_key is not None and self._group_count == 0 and self._group_anchor is not None \
                    and not _is_child(tt, self._group_anchor):
                self._group_anchor = None  # numbered afresh under the heading: a part of the table, not of a task
            closer = self._group_number or self._group_anchor
            if self._group_key is not None and closer and not _is_child(tt, closer):
                self._close_group()  # "3" after the items of group "2"
            if self._group_key is not None:
                self._group_count += 1
                if tt and self._group_number and tt.startswith(self._group_number + "."):
                    core = tt
                elif tt and not _BULLET_RE.match(tt):
                    core = f"{self._group_key}.{tt.rstrip('.)')}"
                else:
                    core = f"{self._group_key}.{self._group_count}"
            else:
                core = tt or f"n{self._flat_count}"
            number, group = cells.tt or None, self._group_title
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
            code=cells.code or None,
            mapped=columns.mapped,
        )
        self.rows.append(task)
        self._last = task
        self._task_seq[id(task)] = self._seq

    def finish(self) -> AppendixResult:
        self._flush_pending()
        for task in self.rows:
            # checked after merging: a split row may have brought the missing cell
            seq = self._task_seq[id(task)]
            if not task.content:
                self._warnings.append((seq, f"{task.row_label}: task {task.ref} has no task text"))
            if not task.lead_text:
                self._warnings.append((seq, f"{task.row_label}: task {task.ref} has no lead agency (chủ trì)"))
        ordered = [text for _, text in sorted(self._warnings, key=lambda item: item[0])]
        return AppendixResult(rows=self.rows, warnings=ordered)
