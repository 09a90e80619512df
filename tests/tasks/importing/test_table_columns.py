"""Task tables of 2026 (issue 14): other header words, task codes, heading rows, merged groups and
the office's own column mapping, each from a small .docx and .xlsx built here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import docx
import openpyxl
import pytest

from tasks.agencies.directory import AgencyDirectory
from tasks.importing.appendix import AppendixResult, TaskRow, find_task_rows
from tasks.importing.columns import layout_signature
from tasks.importing.layouts import ColumnMapping, ColumnSpecError, LayoutStore, parse_columns
from tasks.importing.parse import parse_plan
from tasks.importing.readers import PlanFileError, read_document

Merge = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based, inclusive)
HEAD = ["ỦY BAN NHÂN DÂN TỈNH BẮC GIANG", "Số: 12/KH-UBND", "Bắc Giang, ngày 10 tháng 01 năm 2026", "KẾ HOẠCH",
        "Chuyển đổi số năm 2026"]


def _docx(path: Path, rows: Sequence[Sequence[str]], merges: Sequence[Merge] = (), head: Sequence[str] = HEAD) -> Path:
    document = docx.Document()
    for text in head:
        document.add_paragraph(text)
    table = document.add_table(rows=len(rows), cols=max(len(row) for row in rows))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    for top, left, bottom, right in merges:
        table.cell(top, left).merge(table.cell(bottom, right))
    document.save(str(path))
    return path


def _xlsx(path: Path, rows: Sequence[Sequence[str]], merges: Sequence[Merge] = (),
          titles: Sequence[str] = (HEAD[0], "Phụ lục: danh mục nhiệm vụ")) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for title in titles:
        sheet.append([title])
    offset = len(titles) + 1  # the table starts under the title lines
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text:
                sheet.cell(row=r + offset, column=c + 1, value=text)
    for top, left, bottom, right in merges:
        sheet.merge_cells(start_row=top + offset, start_column=left + 1, end_row=bottom + offset,
                          end_column=right + 1)
    book.save(path)
    return path


BUILDERS: dict[str, Callable[..., Path]] = {"docx": _docx, "xlsx": _xlsx}


@pytest.fixture(params=["docx", "xlsx"])
def build(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., AppendixResult]:
    """Build the table as a real file of the parametrised kind and read its task rows."""
    kind = request.param

    def make(rows: Sequence[Sequence[str]], merges: Sequence[Merge] = (), **options: object) -> AppendixResult:
        path = BUILDERS[kind](tmp_path / f"plan.{kind}", rows, merges)
        return find_task_rows(read_document(path), **options)  # type: ignore[arg-type]

    return make


def _seen(rows: list[TaskRow]) -> list[tuple[str, str, str, str]]:
    return [(r.ref, r.content, r.lead_text, r.deadline_text) for r in rows]


# -- other header words ----------------------------------------------------------------------


@pytest.mark.parametrize("header", [
    ["STT", "Công việc", "Đơn vị thực hiện", "Thời hạn"],
    ["STT", "Tên nhiệm vụ", "Cơ quan soạn thảo", "Ngày dự kiến trình ban hành"],
    ["STT", "Tên dự án", "Chủ đầu tư", "Thời gian thực hiện"],
    ["TT", "Tên gọi văn bản", "Cơ quan soạn thảo", "Số ngày dự kiến"],
    ["STT", "Nội dung công việc", "Cơ quan thực hiện", "Tiến độ"],
])
def test_the_2026_header_words_name_the_task_lead_and_deadline_columns(
        build: Callable[..., AppendixResult], header: list[str]) -> None:
    result = build([header, ["1", "Xây dựng kho dữ liệu dùng chung", "Sở Khoa học và Công nghệ", "30/6/2026"],
                    ["2", "Số hóa hồ sơ đất đai", "Sở Nông nghiệp và Môi trường", "Quý III/2026"]])
    assert result.warnings == []
    assert _seen(result.rows) == [
        ("1", "Xây dựng kho dữ liệu dùng chung", "Sở Khoa học và Công nghệ", "30/6/2026"),
        ("2", "Số hóa hồ sơ đất đai", "Sở Nông nghiệp và Môi trường", "Quý III/2026"),
    ]


def test_a_column_of_task_codes_is_the_tasks_code_never_its_text(build: Callable[..., AppendixResult]) -> None:
    header = ["STT", "Mã nhiệm vụ", "Tên nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn"]
    result = build([header,
                    ["1", "KH12_CĐS_01.2", "Triển khai nền tảng số", "Sở Khoa học và Công nghệ", "Sở Tài chính",
                     "30/6/2026"],
                    ["2", "KH12_CĐS_02.1", "Đào tạo kỹ năng số", "Sở Nội vụ", "", "31/12/2026"]])
    assert result.warnings == []
    assert [(r.ref, r.code, r.content, r.lead_text, r.coordinating_text) for r in result.rows] == [
        ("1", "KH12_CĐS_01.2", "Triển khai nền tảng số", "Sở Khoa học và Công nghệ", "Sở Tài chính"),
        ("2", "KH12_CĐS_02.1", "Đào tạo kỹ năng số", "Sở Nội vụ", ""),
    ]


def test_a_task_column_that_holds_codes_gives_way_to_the_text_beside_it(
        build: Callable[..., AppendixResult]) -> None:
    header = ["TT", "Nhiệm vụ", "Nội dung", "Đơn vị chủ trì", "Thời hạn"]
    result = build([header,
                    ["1", "KH12_CĐS_01.2", "Triển khai nền tảng số", "Sở Khoa học và Công nghệ", "30/6/2026"],
                    ["2", "KH12_CĐS_03", "Đào tạo kỹ năng số", "Sở Nội vụ", "31/12/2026"]])
    assert [(r.code, r.content, r.group) for r in result.rows] == [
        ("KH12_CĐS_01.2", "Triển khai nền tảng số", None), ("KH12_CĐS_03", "Đào tạo kỹ năng số", None),
    ]


def test_a_code_column_alone_is_no_task_text_and_the_error_says_how_to_name_the_columns() -> None:
    from tasks.importing.readers import PlanDocument, Table

    rows = [["STT", "Nhiệm vụ", "Cơ quan chủ trì"], ["1", "KH12_CĐS_01.2", "Sở Tài chính"]]
    doc = PlanDocument(paragraphs=["Kế hoạch"], tables=[Table(rows=rows, index=0, paragraphs_before=0)])
    with pytest.raises(PlanFileError, match=r"^no task table found: .*--columns task=N,lead=N.*"
                                            r"\(bảng 1: 1 STT \| 2 Nhiệm vụ \| 3 Cơ quan chủ trì\)$"):
        find_task_rows(doc)


# -- heading, group and header rows ------------------------------------------------------------

HEADED = [
    ["STT", "Tên nhiệm vụ", "Đơn vị thực hiện", "", "Thời gian thực hiện", ""],
    ["", "", "Chủ trì", "Phối hợp", "Bắt đầu", "Hoàn thành"],  # the header's second line
    ["I", "NHIỆM VỤ CHUYỂN ĐỔI SỐ", "", "", "", ""],
    ["1", "Phát triển hạ tầng số", "", "", "", ""],  # a numbered group, no agency
    ["1.1", "Nâng cấp mạng truyền số liệu", "Sở Khoa học và Công nghệ", "Sở Tài chính", "01/2026", "30/6/2026"],
    ["1.2", "Xây dựng trung tâm dữ liệu", "Sở Khoa học và Công nghệ", "", "01/2026", "31/12/2026"],
    ["2", "Ban hành quy chế chia sẻ dữ liệu", "Sở Tư pháp", "Các sở, ngành", "", "31/3/2026"],
    ["", "Các văn bản hướng dẫn, bao gồm:", "", "", "", "Theo thời hạn cụ thể sau đây:"],  # a heading
    ["a", "Hướng dẫn lưu trữ điện tử", "Sở Nội vụ", "", "", "30/9/2026"],
    ["b", "Hướng dẫn chữ ký số", "Sở Khoa học và Công nghệ", "", "", "31/10/2026"],
    ["3", "Tổng kết năm 2026", "Sở Khoa học và Công nghệ", "", "", "31/12/2026"],
]
# the two-row header's merges: STT and the task column down, the agency and time headers across
HEADED_MERGES = [(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 0, 3), (0, 4, 0, 5), (2, 1, 2, 5), (3, 1, 3, 5)]


def test_heading_group_and_second_header_rows_are_never_tasks_nor_glued_to_one(
        build: Callable[..., AppendixResult]) -> None:
    result = build(HEADED, HEADED_MERGES)
    assert result.warnings == []
    assert [(r.ref, r.group, r.content, r.lead_text, r.coordinating_text, r.deadline_text) for r in result.rows] == [
        ("I.1.1", "Phát triển hạ tầng số", "Nâng cấp mạng truyền số liệu", "Sở Khoa học và Công nghệ",
         "Sở Tài chính", "30/6/2026"),
        ("I.1.2", "Phát triển hạ tầng số", "Xây dựng trung tâm dữ liệu", "Sở Khoa học và Công nghệ", "",
         "31/12/2026"),
        # the heading below it is not glued on: the task keeps its text and its date
        ("I.2", None, "Ban hành quy chế chia sẻ dữ liệu", "Sở Tư pháp", "Các sở, ngành", "31/3/2026"),
        ("I.G2.a", "Các văn bản hướng dẫn, bao gồm:", "Hướng dẫn lưu trữ điện tử", "Sở Nội vụ", "", "30/9/2026"),
        ("I.G2.b", "Các văn bản hướng dẫn, bao gồm:", "Hướng dẫn chữ ký số", "Sở Khoa học và Công nghệ", "",
         "31/10/2026"),
        ("I.3", None, "Tổng kết năm 2026", "Sở Khoa học và Công nghệ", "", "31/12/2026"),  # after the group
    ]
    assert {r.section for r in result.rows} == {"NHIỆM VỤ CHUYỂN ĐỔI SỐ"}


def test_a_numbered_heading_typed_across_the_row_and_its_bulleted_items(build: Callable[..., AppendixResult]) -> None:
    rows = [
        ["TT", "Công việc", "Cơ quan thực hiện", "Thời hạn"],
        ["1. Hoàn thiện thể chế về dữ liệu", "", "", ""],  # typed in the TT cell, merged across the row
        ["-", "Quy chế quản lý dữ liệu", "Sở Khoa học và Công nghệ", "30/6/2026"],
        ["-", "Danh mục dữ liệu mở", "Sở Khoa học và Công nghệ", "30/9/2026"],
        ["2", "Đánh giá mức độ chuyển đổi số", "Sở Nội vụ", "15/12/2026"],
    ]
    result = build(rows, [(1, 0, 1, 3)])
    assert result.warnings == []
    assert [(r.ref, r.number, r.group, r.content) for r in result.rows] == [
        ("1.1", "-", "Hoàn thiện thể chế về dữ liệu", "Quy chế quản lý dữ liệu"),
        ("1.2", "-", "Hoàn thiện thể chế về dữ liệu", "Danh mục dữ liệu mở"),
        ("2", "2", None, "Đánh giá mức độ chuyển đổi số"),
    ]


def test_a_group_named_in_the_tt_column_is_a_heading_whose_tasks_count_afresh(
        build: Callable[..., AppendixResult]) -> None:
    rows = [["STT", "Nội dung công việc", "Cơ quan chủ trì", "Thời hạn"],
            ["Nhóm 1", "Các nhiệm vụ về thể chế", "", ""],
            ["1", "Quy chế dữ liệu", "Sở Tư pháp", "30/6/2026"],
            ["Nhóm 2", "Các nhiệm vụ về hạ tầng", "", ""],
            ["1", "Mạng truyền số liệu", "Sở Khoa học và Công nghệ", "30/9/2026"]]
    result = build(rows)
    assert result.warnings == []
    assert [(r.ref, r.group, r.content) for r in result.rows] == [
        ("G1.1", "Nhóm 1 - Các nhiệm vụ về thể chế", "Quy chế dữ liệu"),
        ("G2.1", "Nhóm 2 - Các nhiệm vụ về hạ tầng", "Mạng truyền số liệu"),
    ]


def test_a_numbered_row_without_agency_over_a_sibling_stays_a_task_with_a_warning(
        build: Callable[..., AppendixResult]) -> None:
    rows = [["STT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
            ["1", "Việc chưa giao", "", ""], ["2", "Việc đã giao", "Sở Tài chính", "30/6/2026"]]
    result = build(rows)
    assert [(r.ref, r.group, r.lead_text) for r in result.rows] == [("1", None, ""), ("2", None, "Sở Tài chính")]
    [warning] = result.warnings
    assert warning.endswith("(TT 1): task 1 has no lead agency (chủ trì)")


def test_a_group_merged_down_reaches_every_row_when_the_tt_column_numbers_the_tasks(
        build: Callable[..., AppendixResult]) -> None:
    rows = [
        ["STT", "Nhóm nhiệm vụ", "Tên nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
        ["1", "Thể chế số", "Ban hành quy chế", "Sở Tư pháp", "31/3/2026"],
        ["2", "", "Cập nhật danh mục thủ tục", "Sở Nội vụ", "30/6/2026"],
        ["3", "", "Đánh giá thực thi", "Sở Nội vụ", "31/12/2026"],
        ["4", "Hạ tầng số", "Nâng cấp mạng", "Sở Khoa học và Công nghệ", "30/9/2026"],
        ["5", "", "Phủ sóng 5G", "Sở Khoa học và Công nghệ", "31/12/2026"],
    ]
    result = build(rows, [(1, 1, 3, 1), (4, 1, 5, 1)])
    assert result.warnings == []
    assert [(r.ref, r.number, r.group, r.content) for r in result.rows] == [
        ("G1.1", "1", "Thể chế số", "Ban hành quy chế"),
        ("G1.2", "2", "Thể chế số", "Cập nhật danh mục thủ tục"),
        ("G1.3", "3", "Thể chế số", "Đánh giá thực thi"),
        ("G2.1", "4", "Hạ tầng số", "Nâng cấp mạng"),
        ("G2.2", "5", "Hạ tầng số", "Phủ sóng 5G"),
    ]


def test_a_group_number_and_title_merged_down_reach_every_row(build: Callable[..., AppendixResult]) -> None:
    rows = [
        ["TT", "Lĩnh vực", "Công việc", "Đơn vị thực hiện", "Tiến độ"],
        ["1", "Chính quyền số", "Cổng dịch vụ công", "Văn phòng UBND tỉnh", "Quý II/2026"],
        ["", "", "Hệ thống một cửa", "Văn phòng UBND tỉnh", "Quý III/2026"],
        ["2", "Kinh tế số", "Sàn thương mại điện tử", "Sở Công Thương", "Quý IV/2026"],
    ]
    result = build(rows, [(1, 0, 2, 0), (1, 1, 2, 1)])
    assert [(r.ref, r.number, r.group, r.content) for r in result.rows] == [
        ("1.1", "1", "Chính quyền số", "Cổng dịch vụ công"),
        ("1.2", "1", "Chính quyền số", "Hệ thống một cửa"),
        ("2.1", "2", "Kinh tế số", "Sàn thương mại điện tử"),
    ]


# -- the office's column mapping ---------------------------------------------------------------

UNKNOWN = [
    ["Số", "Mã", "Việc cần làm", "Ai làm", "Ai giúp", "Ghi chép", "Xong trước"],
    ["1", "CĐS-01", "Số hóa hồ sơ", "Sở Nội vụ", "Sở Tài chính", "", "30/6/2026"],
    ["2", "CĐS-02", "Lập kho dữ liệu", "Sở Khoa học và Công nghệ", "", "ưu tiên", "31/12/2026"],
]
MAPPING = ColumnMapping(task=3, lead=4, coordinating=5, due=7, code=2, number=1)


def test_a_table_whose_header_is_not_understood_is_read_through_the_offices_mapping(
        build: Callable[..., AppendixResult]) -> None:
    with pytest.raises(PlanFileError, match="no task table found"):
        build(UNKNOWN)
    result = build(UNKNOWN, columns=MAPPING)
    assert result.warnings == []
    assert [(r.ref, r.number, r.code, r.content, r.lead_text, r.coordinating_text, r.deadline_text, r.mapped)
            for r in result.rows] == [
        ("1", "1", "CĐS-01", "Số hóa hồ sơ", "Sở Nội vụ", "Sở Tài chính", "30/6/2026", True),
        ("2", "2", "CĐS-02", "Lập kho dữ liệu", "Sở Khoa học và Công nghệ", "", "31/12/2026", True),
    ]
    assert result.mapped_layout == ("số", "mã", "việc cần làm", "ai làm", "ai giúp", "ghi chép", "xong trước")


def test_a_remembered_mapping_reads_a_table_of_the_same_layout(build: Callable[..., AppendixResult]) -> None:
    layout = layout_signature(UNKNOWN[0])
    result = build(UNKNOWN, layouts={layout: MAPPING}.get)
    assert [(r.ref, r.content, r.mapped) for r in result.rows] == [("1", "Số hóa hồ sơ", True),
                                                                   ("2", "Lập kho dữ liệu", True)]
    assert result.mapped_layout is None  # nothing new to remember
    with pytest.raises(PlanFileError, match="no task table found"):  # another layout: not this mapping
        build([[*UNKNOWN[0][:-1], "Hạn"], *UNKNOWN[1:]], layouts={layout: MAPPING}.get)


def test_a_mapping_that_fits_no_table_is_one_clear_error(build: Callable[..., AppendixResult]) -> None:
    with pytest.raises(PlanFileError, match=r"^--columns task=3,lead=9: no table has 9 columns under a header row "
                                            r"\(\d+ table\(s\) read, the widest has 7\)$"):
        build(UNKNOWN, columns=ColumnMapping(task=3, lead=9))


def test_a_task_read_through_a_mapped_column_is_flagged_for_review_and_keeps_its_code(tmp_path: Path) -> None:
    doc = read_document(_docx(tmp_path / "plan.docx", UNKNOWN))
    plan = parse_plan(doc, AgencyDirectory.load(), source_name="plan.docx", province="bac-giang", columns=MAPPING)
    assert plan.column_layout == layout_signature(UNKNOWN[0])
    tasks = plan.to_json()["tasks"]
    table = [t for t in tasks if t["source"] == "table"]
    assert [(t["code"], "column mapped by hand" in t["review"]) for t in table] == [("CĐS-01", True),
                                                                                    ("CĐS-02", True)]
    by_wording = parse_plan(read_document(_docx(tmp_path / "other.docx", [
        ["STT", "Mã nhiệm vụ", "Tên nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
        ["1", "KH12_CĐS_01.2", "Triển khai nền tảng số", "Sở Tài chính", "30/6/2026"]])),
        AgencyDirectory.load(), source_name="other.docx", province="bac-giang")
    [task] = [t for t in by_wording.to_json()["tasks"] if t["source"] == "table"]
    assert task["code"] == "KH12_CĐS_01.2" and "column mapped by hand" not in task["review"]


# -- --columns and the remembered layouts --------------------------------------------------------


def test_a_columns_spec_reads_one_based_column_numbers() -> None:
    assert parse_columns("task=3, lead=4,coordinating=5,due=8,code=2,number=1") == ColumnMapping(
        task=3, lead=4, coordinating=5, due=8, code=2, number=1)
    columns = parse_columns("TASK=3,lead=4").columns(width=6)
    assert (columns.content, columns.lead, columns.deadline, columns.mapped) == (2, 3, None, True)


@pytest.mark.parametrize(("spec", "message"), [
    ("task=3", "--columns: lead must be given (e.g. task=3,lead=4)"),
    ("due=5", "--columns: task and lead must be given (e.g. task=3,lead=4)"),
    ("task=0,lead=4", "--columns: task=0 is not a column number (1 is the first column)"),
    ("task=c,lead=4", "--columns: task=c is not a column number (1 is the first column)"),
    ("task=3,lead=4,owner=5",
     "--columns: unknown column 'owner'; expected task, lead, coordinating, due, code, number"),
    ("task=3,lead=3", "--columns: column 3 is given twice (task and lead)"),
    ("task=3,task=4,lead=1", "--columns: task is given twice"),
    ("3,4", "--columns: '3' is not ROLE=NUMBER (e.g. task=3,lead=4,due=8)"),
    ("task=3,lead=400", "--columns: lead: Input should be less than or equal to 200"),
])
def test_a_bad_columns_spec_is_one_line_naming_the_fault(spec: str, message: str) -> None:
    with pytest.raises(ColumnSpecError) as caught:
        parse_columns(spec)
    assert str(caught.value) == message


def test_the_layout_store_remembers_a_mapping_by_layout_and_replaces_it(tmp_path: Path) -> None:
    store = LayoutStore(tmp_path / "data" / "column_layouts.json")
    layout = layout_signature(UNKNOWN[0])
    assert store.get(layout) is None
    store.remember(layout, MAPPING)
    store.remember(("stt", "việc"), ColumnMapping(task=2, lead=3))
    store.remember(layout, ColumnMapping(task=3, lead=4))
    again = LayoutStore(tmp_path / "data" / "column_layouts.json")
    assert again.get(layout) == ColumnMapping(task=3, lead=4)
    assert again.get(("stt", "việc")) == ColumnMapping(task=2, lead=3)
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["column_layouts.json"]  # no temporary left


@pytest.mark.parametrize("content", [
    "{not json", '{"layouts": [{"header": ["a"], "columns": {"task": 0, "lead": 2}}]}',
    '{"layouts": [{"header": ["a"], "columns": {"task": 1}}]}', '{"layouts": "x", "extra": 1}',
])
def test_a_damaged_layout_file_is_one_clear_line(tmp_path: Path, content: str) -> None:
    path = tmp_path / "column_layouts.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PlanFileError) as caught:
        LayoutStore(path).get(("a",))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"the remembered column layouts in {path} cannot be read (")
    assert message.endswith("); fix or delete the file and give --columns again")
