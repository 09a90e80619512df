"""The appendix: task tables found by header wording become TaskRows, nothing silently dropped."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from tasks.importing.appendix import TaskRow, find_task_rows
from tasks.importing.readers import PlanDocument, PlanFileError, Table, parse_text, read_document
from tests.conftest import PLANS
from tests.tasks.builders import build_big_xlsx_plan, build_docx_plan, build_xlsx_plan

HEADER = ["TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]
BEN_TRE_HEADER = [
    ["TT", "Nội dung", "Nhiệm vụ", "Chỉ tiêu đánh giá", "", "Đơn vị chủ trì", "Cơ quan phối hợp"],
    ["", "", "", "Đến năm 2020", "Đến năm 2025", "", ""],
]


def _doc(*tables: list[list[str]], paragraphs_before: list[int] | None = None) -> PlanDocument:
    before = paragraphs_before or [0] * len(tables)
    return PlanDocument(
        paragraphs=["Kế hoạch"],
        tables=[Table(rows=rows, index=i, paragraphs_before=before[i]) for i, rows in enumerate(tables)],
        source="docx",
    )


def _refs(rows: list[TaskRow]) -> list[str]:
    return [row.ref for row in rows]


# -- the sample plans ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bac_giang() -> list[TaskRow]:
    result = find_task_rows(read_document(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    assert result.warnings == []
    return result.rows


@pytest.fixture(scope="module")
def ben_tre() -> list[TaskRow]:
    result = find_task_rows(read_document(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    assert result.warnings == []
    return result.rows


def test_bac_giang_appendix_gives_36_tasks_in_three_quarterly_sections(bac_giang: list[TaskRow]) -> None:
    assert len(bac_giang) == 36
    assert Counter(row.section_code for row in bac_giang) == {"I": 12, "II": 10, "III": 14}
    assert _refs(bac_giang) == (
        [f"I.{n}" for n in range(1, 13)] + [f"II.{n}" for n in range(1, 11)] + [f"III.{n}" for n in range(1, 15)]
    )
    assert [row.position for row in bac_giang] == list(range(36))


def test_bac_giang_first_task_is_read_exactly(bac_giang: list[TaskRow]) -> None:
    assert bac_giang[0] == TaskRow(
        ref="I.1",
        section="Nhiệm vụ trong Quý I/2020",
        section_code="I",
        number="1",
        group=None,
        content="Phân bổ nguồn vốn thực hiện Chương trình MTQG xây dựng nông thôn mới năm 2020",
        lead_text="Sở NN&PTNT, VPĐP tỉnh",
        coordinating_text="Sở KH&ĐT, TC",
        deadline_text="Tháng 01/2020",
        targets={},
        position=0,
        row_label="bảng 5, dòng 3 (TT 1)",
    )


def test_bac_giang_sections_carry_over_page_breaks(bac_giang: list[TaskRow]) -> None:
    by_ref = {row.ref: row for row in bac_giang}
    assert by_ref["II.10"].section == "Nhiệm vụ Quý II và Quý III/2020"
    assert by_ref["II.10"].deadline_text == "Quý II-III/2020"
    assert by_ref["III.3"].row_label == "bảng 6, dòng 16 (TT 3)"
    # III.4 is on the next page, under a repeated header, still in section III
    iii4 = by_ref["III.4"]
    assert (iii4.section_code, iii4.section, iii4.row_label) == (
        "III", "Nhiệm vụ trong Quý IV/2020", "bảng 7, dòng 2 (TT 4)"
    )
    assert iii4.content.startswith("Hoàn thành xây ngân nguồn vốn được hỗ trợ")
    assert iii4.lead_text == "UBND huyện, TP"
    assert iii4.coordinating_text == "Sở KH&ĐT, TC, VPĐP, các xã"
    assert iii4.deadline_text == "Trước 31/12/2020"
    assert by_ref["I.6"].coordinating_text == "Sở NN&PTNT, VPĐP, Sở, ngành,"  # raw, as written
    assert by_ref["III.12"].lead_text == "Ban Thi đua - Khen thưởng tỉnh, Sở Nội vụ"
    assert by_ref["III.14"].deadline_text == "Quý IV/2020"


def test_bac_giang_target_tables_are_not_task_tables(bac_giang: list[TaskRow]) -> None:
    # Biểu 01 (per district), 03 and 04 (communes, villages) have no task and lead columns
    texts = " ".join(row.content for row in bac_giang)
    assert "Xã Đông Phú" not in texts and "TP Bắc Giang" not in texts
    assert {row.row_label.split(",")[0] for row in bac_giang} == {"bảng 5", "bảng 6", "bảng 7"}


def test_ben_tre_appendix_gives_21_grouped_tasks(ben_tre: list[TaskRow]) -> None:
    assert _refs(ben_tre) == [
        "1.1", "1.2", "1.3", "2.1", "2.2", "3.1", "3.2", "3.3",
        "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "5.1", "5.2", "5.3",
        "G6.1", "G7.1", "G8.1",
    ]  # fmt: skip
    assert all(row.deadline_text == "" for row in ben_tre)  # the table has no deadline column
    assert all(row.section is None and row.section_code is None for row in ben_tre)
    assert all(row.targets for row in ben_tre if row.ref not in {"2.2", "G6.1"})
    assert {year for row in ben_tre for year in row.targets} == {2020, 2025}


def test_ben_tre_first_task_is_read_exactly(ben_tre: list[TaskRow]) -> None:
    assert ben_tre[0] == TaskRow(
        ref="1.1",
        section=None,
        section_code=None,
        number="1",
        group="Tổ chức, kiện toàn Ban chỉ đạo thực hiện Nghị quyết",
        content="Tham mưu UBND tỉnh ban hành Quyết định “Thành lập Ban chỉ đạo thực hiện đề án Du lịch-Làng nghề”",
        lead_text="Sở Văn hóa Thể thao và Du lịch",
        coordinating_text="Các đơn vị có liên quan thực hiện",
        deadline_text="",
        targets={2020: "Quyết định Thành lập Ban Chỉ đạo"},
        position=0,
        row_label="bảng 1, dòng 2 (TT 1)",
    )


def test_ben_tre_group_rows_share_the_group_number_and_title(ben_tre: list[TaskRow]) -> None:
    by_ref = {row.ref: row for row in ben_tre}
    assert by_ref["1.3"].number == "1"
    assert by_ref["1.3"].group == "Tổ chức, kiện toàn Ban chỉ đạo thực hiện Nghị quyết"
    assert by_ref["1.3"].row_label == "bảng 1, dòng 4"
    assert by_ref["3.1"].targets == {
        2020: "Hoàn thành các báo cáo điều chỉnh quy hoạch cấp xã",
        2025: "Triển khai thực hiện và giám sát đánh giá kết quả thực hiện",
    }
    assert by_ref["4.7"].lead_text == "Sở Nông nghiệp và Phát triển nông thôn; Sở Kế hoạch và Đầu tư"
    assert by_ref["5.1"].content.count("\n") == 2  # three bullet lines in one cell
    assert by_ref["5.1"].targets[2025].endswith(
        "Sản xuất giống sạch bệnh bằng công nghệ vi ghép cho cây bưởi da xanh để cung cấp cho nhà vườn."
    )


def test_ben_tre_unnumbered_groups_get_g_refs(ben_tre: list[TaskRow]) -> None:
    g6, g7, g8 = ben_tre[-3:]
    assert (g6.number, g6.group) == (
        None, "Nâng cao hiệu quả xúc tiến thương mại, chủ trọng các hoạt động kết nối thị trường"
    )
    assert g6.targets == {}
    assert g6.lead_text.startswith("Sở Nông nghiệp và Phát triển nông thôn (thực hiện hoặc đề xuất Sở Công thương")
    assert g7.group == "Lĩnh vực Lâm nghiệp"
    assert g7.lead_text == "Sở Tài nguyên và Môi trường\nSở Nông nghiệp và Phát triển nông thôn"
    assert g7.targets == {
        2020: (
            "- Hoàn thành việc giao đất rừng\n"
            "- Đến năm 2020, diện tích có rừng toàn tỉnh đạt 4.500 ha, độ che phủ là 1,9%"
        ),
        2025: "Đến năm 2025, diện tích có rừng toàn tỉnh đạt 5.000 ha, độ che phủ là 2,1%",
    }
    assert g8.group == "Lĩnh vực Quản lý chất lượng và an toàn thực phẩm"
    assert g8.coordinating_text == "Sở Công thương, Y tế và Các sở ban, ngành tỉnh và UBND các huyện/thành phố"
    assert list(g8.targets) == [2020]


@pytest.mark.parametrize("name", ["lang-son-176-kh-ubnd-2023.txt", "kien-giang-153-kh-ubnd-2018.txt"])
def test_a_plan_without_a_task_table_is_a_plan_file_error(name: str) -> None:
    with pytest.raises(PlanFileError, match=r"^no task table found: .*Nội dung.*Cơ quan chủ trì"):
        find_task_rows(read_document(PLANS / name))


# -- docx ------------------------------------------------------------------------------------


def _bac_giang_like_rows() -> list[list[str]]:
    return [
        ["I", "Nhiệm vụ trong Quý I/2020", "", "", ""],
        ["1", "Phân bổ nguồn vốn", "Sở NN&PTNT, VPĐP tỉnh", "Sở KH&ĐT, TC", "Tháng 01/2020"],
        ["2", "Phân bổ chi tiết", "UBND huyện, TP", "UBND các xã", "Tháng 02/2020"],
        ["3", "Lập kế hoạch", "UBND huyện Tân Yên", "Sở NN&PTNT", "Trước 28/02/2020"],
        ["II", "Nhiệm vụ Quý II và Quý III/2020", "", "", ""],
        ["1", "Báo cáo 6 tháng", "UBND huyện, TP", "UBND các xã", "Trước 30/6/2020"],
        ["2", "Họp sơ kết", "Sở NN&PTNT, VPĐP", "Các Sở, ngành", "Tháng 7/2020"],
    ]


@pytest.mark.parametrize("split_tables", [True, False])
def test_docx_sections_merged_across_the_row_and_a_repeated_header_are_understood(tmp_path: Path,
                                                                                    split_tables: bool) -> None:
    path = build_docx_plan(
        tmp_path / "plan.docx",
        head_paragraphs=["Số: 552/KH-BCĐ", "KẾ HOẠCH"],
        header=HEADER,
        rows=_bac_giang_like_rows(),
        repeat_header_after=3,  # page breaks inside section I and right before section II's tasks
        split_tables=split_tables,
    )
    doc = read_document(path)
    assert len(doc.tables) == (3 if split_tables else 1)
    result = find_task_rows(doc)
    assert result.warnings == []
    assert _refs(result.rows) == ["I.1", "I.2", "I.3", "II.1", "II.2"]
    assert result.rows[2].section == "Nhiệm vụ trong Quý I/2020"  # carried over the page break
    assert result.rows[4].lead_text == "Sở NN&PTNT, VPĐP"


def test_docx_group_merged_down_and_two_row_target_header(tmp_path: Path) -> None:
    rows = [
        ["1", "Tổ chức bộ máy", "Thành lập Ban chỉ đạo", "Quyết định", "", "Sở VH,TT-DL", "Các đơn vị"],
        ["", "", "Kiện toàn Ban chỉ đạo", "", "Tiếp tục", "Sở NN&PTNT", "Sở Nội vụ"],
        ["", "", "Cơ cấu lại tổ chức", "Cơ cấu mới", "Duy trì", "Sở NN&PTNT", "Sở Nội vụ"],
        ["2", "Tuyên truyền", "Bộ tài liệu", "Bộ tài liệu", "", "Ban Tuyên giáo", "Các sở"],
        ["", "", "Ngày chủ nhật NTM", "", "", "VPĐP", "UBND các huyện"],
        ["", "Lĩnh vực Lâm nghiệp", "Giao đất rừng", "4.500 ha", "5.000 ha", "Sở TN&MT", "UBND ven biển"],
    ]
    path = build_docx_plan(
        tmp_path / "plan.docx",
        head_paragraphs=["KẾ HOẠCH"],
        header=BEN_TRE_HEADER,
        rows=rows,
        merge_down_columns=(0, 1),
        repeat_header_after=4,  # group 2 continues on the next page under a repeated header
    )
    result = find_task_rows(read_document(path))
    assert result.warnings == []
    assert [(r.ref, r.number, r.group, r.content) for r in result.rows] == [
        ("1.1", "1", "Tổ chức bộ máy", "Thành lập Ban chỉ đạo"),
        ("1.2", "1", "Tổ chức bộ máy", "Kiện toàn Ban chỉ đạo"),
        ("1.3", "1", "Tổ chức bộ máy", "Cơ cấu lại tổ chức"),
        ("2.1", "2", "Tuyên truyền", "Bộ tài liệu"),
        ("2.2", "2", "Tuyên truyền", "Ngày chủ nhật NTM"),
        ("G3.1", None, "Lĩnh vực Lâm nghiệp", "Giao đất rừng"),
    ]
    assert [r.targets for r in result.rows[:3]] == [
        {2020: "Quyết định"}, {2025: "Tiếp tục"}, {2020: "Cơ cấu mới", 2025: "Duy trì"},
    ]
    assert result.rows[5].targets == {2020: "4.500 ha", 2025: "5.000 ha"}


def test_docx_row_split_by_a_page_break_is_joined_back(tmp_path: Path) -> None:
    rows = [
        ["1", "Hoàn thành thẩm tra, xét công nhận xã đạt chuẩn", "UBND huyện", "Đoàn thẩm tra,", ""],
        ["", "nông thôn mới nâng cao năm 2020", "", "UBND các xã", "Trước 30/9/2020"],
        ["2", "Nhân rộng mô hình", "Công an tỉnh", "UBND huyện, TP", "Trong năm 2020"],
    ]
    path = build_docx_plan(tmp_path / "plan.docx", head_paragraphs=["x"], header=HEADER, rows=rows,
                           repeat_header_after=1)
    result = find_task_rows(read_document(path))
    assert result.warnings == []
    first, second = result.rows
    assert first.content == "Hoàn thành thẩm tra, xét công nhận xã đạt chuẩn nông thôn mới nâng cao năm 2020"
    assert (first.lead_text, first.coordinating_text, first.deadline_text) == (
        "UBND huyện", "Đoàn thẩm tra, UBND các xã", "Trước 30/9/2020"
    )
    assert second.ref == "2"


def test_docx_lead_and_deadline_merged_down_apply_to_every_task_they_span(tmp_path: Path) -> None:
    rows = [
        ["1", "Việc một", "Sở NN&PTNT", "Sở TC", "Quý I/2020"],
        ["2", "Việc hai", "", "Sở KH&ĐT", ""],
        ["3", "Việc ba", "", "", ""],
        ["4", "Việc bốn", "Công an tỉnh", "", "Quý II/2020"],
    ]
    path = build_docx_plan(tmp_path / "plan.docx", head_paragraphs=["x"], header=HEADER, rows=rows,
                           merge_down_columns=(2, 4))
    result = find_task_rows(read_document(path))
    assert result.warnings == []
    assert [(r.ref, r.lead_text, r.coordinating_text, r.deadline_text) for r in result.rows] == [
        ("1", "Sở NN&PTNT", "Sở TC", "Quý I/2020"),
        ("2", "Sở NN&PTNT", "Sở KH&ĐT", "Quý I/2020"),
        ("3", "Sở NN&PTNT", "", "Quý I/2020"),  # an empty cell that is not merged stays empty
        ("4", "Công an tỉnh", "", "Quý II/2020"),
    ]


def test_txt_row_split_by_a_page_break_is_joined_back() -> None:
    header = "\t".join(HEADER)
    text = (
        f"Biểu 05\n\n{header}\nI\tNhiệm vụ trong Quý III/2020\t\t\t\n"
        "1\tHoàn thành thẩm tra, xét công nhận xã đạt chuẩn\tUBND huyện\tĐoàn thẩm tra,\t\n"
        f"\n\n\n{header}\n"
        "\tnông thôn mới năm 2020\t\tUBND xã phấn đấu đạt chuẩn 2020\tTrước 30/9/2020\n"
        "2\tXây dựng kế hoạch đầu tư công\tSở KH&ĐT\tSở, ngành\tQuý III/2020\n"
    )
    result = find_task_rows(parse_text(text))
    assert result.warnings == []
    first, second = result.rows
    assert (first.ref, first.content) == (
        "I.1", "Hoàn thành thẩm tra, xét công nhận xã đạt chuẩn nông thôn mới năm 2020"
    )
    assert first.coordinating_text == "Đoàn thẩm tra, UBND xã phấn đấu đạt chuẩn 2020"
    assert first.deadline_text == "Trước 30/9/2020"
    assert (second.ref, second.section_code) == ("I.2", "I")


# -- xlsx ------------------------------------------------------------------------------------


def test_xlsx_title_rows_two_row_header_and_merged_groups(tmp_path: Path) -> None:
    path = build_xlsx_plan(
        tmp_path / "plan.xlsx",
        title_rows=["Biểu 05", "(Kèm theo Kế hoạch số 1185/KH-UBND ngày 18/3/2019 của UBND tỉnh Bến Tre)"],
        header=BEN_TRE_HEADER,
        rows=[
            ["1", "Tổ chức bộ máy", "Thành lập Ban chỉ đạo", "Quyết định", "", "Sở VH,TT-DL", "Các đơn vị"],
            ["", "", "Kiện toàn Ban chỉ đạo", "", "Tiếp tục", "Sở NN&PTNT", "Sở Nội vụ"],
            ["2", "Tuyên truyền", "Bộ tài liệu", "Bộ tài liệu", "", "Ban Tuyên giáo", "Các sở"],
        ],
    )
    result = find_task_rows(read_document(path))
    assert result.warnings == []
    assert [(r.ref, r.group, r.content, r.targets, r.row_label) for r in result.rows] == [
        ("1.1", "Tổ chức bộ máy", "Thành lập Ban chỉ đạo", {2020: "Quyết định"}, "bảng 1, dòng 5 (TT 1)"),
        ("1.2", "Tổ chức bộ máy", "Kiện toàn Ban chỉ đạo", {2025: "Tiếp tục"}, "bảng 1, dòng 6"),
        ("2.1", "Tuyên truyền", "Bộ tài liệu", {2020: "Bộ tài liệu"}, "bảng 1, dòng 7 (TT 2)"),
    ]


def test_xlsx_lead_merged_down_in_a_grouped_table_gives_one_task_per_row(tmp_path: Path) -> None:
    path = build_xlsx_plan(
        tmp_path / "plan.xlsx",
        title_rows=[],
        header=["TT", "Nội dung", "Nhiệm vụ", "Đơn vị chủ trì"],
        rows=[["1", "Nhóm", "Việc a", "Sở A"], ["", "", "Việc b", ""], ["", "", "Việc c", ""]],
        group_columns=(0, 1, 3),
    )
    rows = find_task_rows(read_document(path)).rows
    assert [(r.ref, r.content, r.lead_text) for r in rows] == [
        ("1.1", "Việc a", "Sở A"), ("1.2", "Việc b", "Sở A"), ("1.3", "Việc c", "Sở A"),
    ]


def test_a_20000_row_appendix_is_found_quickly(tmp_path: Path) -> None:
    doc = read_document(build_big_xlsx_plan(tmp_path / "big.xlsx", rows=20_000, section_every=1_000))
    started = time.perf_counter()
    result = find_task_rows(doc)
    elapsed = time.perf_counter() - started
    assert len(result.rows) == 20_000 and result.warnings == []
    assert result.rows[-1].ref == "XX.1000"
    assert elapsed < 2.0, f"took {elapsed:.1f} s"


# -- header wording and row rules (tables built directly) ------------------------------------


def test_columns_are_found_by_wording_in_any_order_and_without_tone_marks() -> None:
    table = [
        ["Thoi han", "Don vi phoi hop", "Co quan chu tri", "Noi dung cong viec", "STT"],
        ["Quý I/2020", "Sở B", "Sở A", "Việc một", "1."],
    ]
    [row] = find_task_rows(_doc(table)).rows
    assert (row.ref, row.number, row.content, row.lead_text, row.coordinating_text, row.deadline_text) == (
        "1", "1.", "Việc một", "Sở A", "Sở B", "Quý I/2020",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("lead", "deadline"),
    [("Đơn vị chủ trì", "Thời hạn hoàn thành"), ("Chủ trì", "Tiến độ"), ("Cơ quan thực hiện", "Thời gian thực hiện")],
)
def test_header_variants_name_the_same_columns(lead: str, deadline: str) -> None:
    table = [["Số TT", "NỘI DUNG", lead, "Phối hợp", deadline], ["1", "Việc", "Sở A", "Sở B", "2020"]]
    [row] = find_task_rows(_doc(table)).rows
    assert (row.lead_text, row.coordinating_text, row.deadline_text) == ("Sở A", "Sở B", "2020")


def test_a_table_without_a_lead_column_is_not_a_task_table() -> None:
    with pytest.raises(PlanFileError, match="no task table found: 1 table"):
        find_task_rows(_doc([["STT", "Huyện, thành phố", "Đăng ký Thôn NTM kiểu mẫu", "Ghi chú"],
                             ["1", "Xã Đông Phú", "Thôn Thanh Sơn", ""]]))


def test_a_headerless_table_right_after_a_task_table_continues_it() -> None:
    first = [HEADER, ["A", "Nhiệm vụ chung", "", "", ""], ["1", "Việc một", "Sở A", "", "Quý I"]]
    second = [["2", "Việc hai", "Sở B", "", "Quý II"]]
    result = find_task_rows(_doc(first, second, paragraphs_before=[3, 3]))
    assert _refs(result.rows) == ["A.1", "A.2"]
    # with prose between them the second table is something else
    with_prose = find_task_rows(_doc(first, second, paragraphs_before=[3, 4]))
    assert _refs(with_prose.rows) == ["A.1"]


def test_column_numbers_under_the_header_and_empty_rows_are_skipped() -> None:
    table = [HEADER, ["(1)", "(2)", "(3)", "(4)", "(5)"], ["", "", "", "", ""], ["1", "Việc", "Sở A", "", ""]]
    result = find_task_rows(_doc(table))
    assert _refs(result.rows) == ["1"] and result.warnings == []


def test_an_unnumbered_heading_before_the_first_task_is_a_section() -> None:
    table = [HEADER, ["", "Nhiệm vụ thường xuyên", "", "", ""], ["1", "Việc", "Sở A", "", ""],
             ["2", "Việc hai", "Sở B", "", ""]]
    rows = find_task_rows(_doc(table)).rows
    assert [(r.ref, r.section, r.section_code) for r in rows] == [
        ("S1.1", "Nhiệm vụ thường xuyên", None),
        ("S1.2", "Nhiệm vụ thường xuyên", None),
    ]


def test_a_task_without_a_lead_is_kept_with_a_warning() -> None:
    result = find_task_rows(_doc([HEADER, ["1", "Việc một", "", "Sở B", "Quý I"], ["2", "Việc hai", "Sở A", "", ""]]))
    assert [(r.ref, r.lead_text) for r in result.rows] == [("1", ""), ("2", "Sở A")]
    assert result.warnings == ["bảng 1, dòng 2 (TT 1): task 1 has no lead agency (chủ trì)"]


def test_a_row_that_is_not_understood_becomes_a_warning() -> None:
    result = find_task_rows(_doc([HEADER, ["1", "", "", "Sở B", "Quý I"], ["2", "Việc hai", "Sở A", "", ""]]))
    assert _refs(result.rows) == ["2"]
    assert result.warnings == [
        "bảng 1, dòng 2 (TT 1): row not understood (no task text and no lead agency), skipped: '1 | Sở B | Quý I'"
    ]


def test_a_sub_item_without_number_under_a_numbered_task_is_its_own_task() -> None:
    table = [HEADER, ["1", "Việc một", "Sở A", "", ""], ["", "- Việc phụ", "Sở B", "", "Quý II"]]
    rows = find_task_rows(_doc(table)).rows
    assert [(r.ref, r.number, r.content, r.lead_text) for r in rows] == [
        ("1", "1", "Việc một", "Sở A"),
        ("n2", None, "- Việc phụ", "Sở B"),
    ]


def test_a_number_used_twice_gets_a_suffix_and_a_warning() -> None:
    result = find_task_rows(_doc([HEADER, ["1", "Việc một", "Sở A", "", ""], ["1", "Việc hai", "Sở B", "", ""]]))
    assert _refs(result.rows) == ["1", "1-2"]
    assert result.warnings == ["bảng 1, dòng 3 (TT 1): number 1 is used twice in the appendix; this row is 1-2"]


def test_a_group_heading_row_without_a_task_opens_the_group() -> None:
    header = ["TT", "Nội dung", "Nhiệm vụ", "Đơn vị chủ trì"]
    table = [header, ["1", "Nhóm một", "", ""], ["", "", "Việc a", "Sở A"], ["", "", "Việc b", "Sở B"]]
    rows = find_task_rows(_doc(table)).rows
    assert [(r.ref, r.number, r.group, r.content) for r in rows] == [
        ("1.1", "1", "Nhóm một", "Việc a"),
        ("1.2", "1", "Nhóm một", "Việc b"),
    ]
