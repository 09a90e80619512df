"""Duties assigned in a plan's text, proposed as tasks: the sample plans against hand-made lists,
the outline and phrase readers on small texts, and robustness on shuffled or truncated input."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.agencies.directory import AgencyDirectory, ProvinceDirectory
from tasks.duties.extract import ProposedDuty, TextExtraction, extract_text_duties
from tasks.duties.outline import parse_outline
from tasks.duties.phrases import PhraseReader, find_deadlines, horizon_from_text
from tasks.importing.readers import read_document
from tests.conftest import PLANS

EXPECTED = yaml.safe_load((Path(__file__).parent / "fixtures" / "text_duties_expected.yaml").read_text("utf-8"))
GROUPS = {"@so_nganh": "so_nganh", "@huyen": "huyen", "@doan_the": "doan_the"}


@cache
def directory() -> AgencyDirectory:
    return AgencyDirectory.load()


@cache
def paragraphs(plan: str) -> tuple[str, ...]:
    return tuple(read_document(PLANS / plan).paragraphs)


@cache
def extraction(plan: str) -> TextExtraction:
    spec = EXPECTED[plan]
    province = directory().province(spec["province"])
    return extract_text_duties(list(paragraphs(plan)), province, plan_year=spec["plan_year"])


def by_ref(plan: str) -> dict[str, ProposedDuty]:
    return {d.ref: d for d in extraction(plan).duties}


def lead_keys(province: ProvinceDirectory, names: list[str]) -> set[str]:
    """Keys of the agencies a hand-made lead names ("@group" expands to the group's members)."""
    keys: set[str] = set()
    for name in names:
        if name in GROUPS:
            keys |= {a.key for a in province.group_members(GROUPS[name])}
        else:
            entry = province.resolve_name(name)
            assert entry is not None, f"the hand-made list names an unknown agency {name!r}"
            keys.add(entry.key)
    return keys


def ninh_thuan() -> ProvinceDirectory:
    """No directory ships for Ninh Thuận: the standard agencies with a test-only province file."""
    standard_yaml = Path(__file__).resolve().parents[3] / "config" / "agencies" / "standard.yaml"
    standard = yaml.safe_load(standard_yaml.read_text("utf-8"))
    spec = {
        "slug": "ninh-thuan",
        "name": "Ninh Thuận",
        "email_domain": "ninhthuan.example",
        "leadership": {"name": "Chủ tịch UBND tỉnh Ninh Thuận", "email": "lanhdao@ninhthuan.example"},
        "districts": [{"name": "Phan Rang - Tháp Chàm", "type": "thanh_pho"}, "Bác Ái", "Ninh Sơn", "Ninh Hải"],
    }
    return ProvinceDirectory(standard, spec)


# -- the sample plans against the hand-made lists -------------------------------------------


@pytest.mark.parametrize("plan", list(EXPECTED))
def test_each_sample_plan_gives_exactly_the_hand_made_duties_with_the_right_leads_and_dates(plan: str) -> None:
    spec = EXPECTED[plan]
    province = directory().province(spec["province"])
    expected: dict[str, dict[str, Any]] = spec["duties"]
    found = by_ref(plan)
    problems = []
    for ref, duty in found.items():
        if ref not in expected:
            problems.append(f"unexpected extra duty {ref}: {duty.lead_text!r} / {duty.title!r}")
            continue
        want = expected[ref]
        wanted_lead = lead_keys(province, want["lead"])
        got_lead = {a.key for a in duty.lead}
        if got_lead != wanted_lead:
            problems.append(f"wrong lead on {ref}: got {sorted(got_lead)}, want {sorted(wanted_lead)}")
        if want["text"] not in duty.content:
            problems.append(f"{ref}: content does not hold {want['text']!r}: {duty.content[:120]!r}")
        if want["due"] == "standing":
            if not duty.standing or duty.due_date is not None:
                problems.append(f"{ref}: expected a standing duty, got due {duty.due_date} ({duty.deadline_text!r})")
            elif duty.milestone != (spec["horizon"], date(spec["horizon"], 12, 31)):
                problems.append(f"{ref}: milestone {duty.milestone}, want the horizon {spec['horizon']}")
        else:
            want_due = want["due"] if isinstance(want["due"], date) else date.fromisoformat(str(want["due"]))
            if duty.standing or duty.due_date != want_due:
                problems.append(f"{ref}: due {duty.due_date} ({duty.deadline_text!r}), want {want_due}")
    problems += [f"missing duty {ref}" for ref in expected if ref not in found]
    assert not problems, "\n".join(problems)
    assert len(found) == len(expected)


@pytest.mark.parametrize("plan", list(EXPECTED))
def test_refs_are_unique_prefixed_and_the_same_on_every_run(plan: str) -> None:
    spec = EXPECTED[plan]
    first = [d.ref for d in extraction(plan).duties]
    province = directory().province(spec["province"])
    again = extract_text_duties(list(paragraphs(plan)), province, plan_year=spec["plan_year"])
    assert first == [d.ref for d in again.duties]
    assert len(first) == len(set(first))
    assert all(ref.startswith("T.") for ref in first)


@pytest.mark.parametrize("plan", list(EXPECTED))
def test_every_duty_keeps_its_paragraph_and_section_path_for_a_person_to_check(plan: str) -> None:
    text = "\n".join(paragraphs(plan))
    for duty in extraction(plan).duties:
        for line in duty.paragraph.split("\n"):
            assert line in text, f"{duty.ref}: paragraph not verbatim: {line[:80]!r}"
        assert duty.section_path and duty.section_path[0].split()[0].rstrip(".-") in {"II", "III", "IV"}
        assert 0 < len(duty.title) <= 121 and duty.title[0].isupper()
        assert duty.lead and duty.lead_text


# Agency-headed lettered items of Lạng Sơn section III, read off the plan: every one is proposed.
LANG_SON_LETTERED = [
    "1.a", "2.a", "2.b", "2.c", "3.a", "3.b", "3.c", "3.d", "3.e", "3.g", "4.a", "4.b", "4.c", "4.d",
    "5.a", "5.b", "5.c", "5.d", "6.a", "6.b", "6.c", "7.a", "7.b", "7.c", "7.d",
    "8.1.a", "8.1.b", "8.1.c", "8.2.a", "8.2.b", "8.2.c", "9.a", "9.b", "9.c", "10.a", "10.b", "10.c", "10.d",
]


def test_lang_son_proposes_every_agency_headed_lettered_item_of_section_iii_including_8_1_and_8_2() -> None:
    refs = [d.ref for d in extraction("lang-son-176-kh-ubnd-2023.txt").duties]
    for item in LANG_SON_LETTERED:
        ref = f"T.III.{item}"
        assert any(r == ref or r.startswith(ref + ".") for r in refs), f"no duty for {ref}"
    lettered = {r.rsplit(".", 1)[0] if r.count(".") > 3 and r.rsplit(".", 1)[1].isdigit() else r
                for r in refs if r.startswith("T.III.")}
    assert lettered == {f"T.III.{item}" for item in LANG_SON_LETTERED}


def test_lang_son_8_1_and_8_2_leads_come_from_their_lettered_headings() -> None:
    duties = by_ref("lang-son-176-kh-ubnd-2023.txt")
    assert [a.name for a in duties["T.III.8.1.a"].lead] == ["Sở Khoa học và Công nghệ"]
    assert [a.name for a in duties["T.III.8.2.a"].lead] == ["Sở Lao động - Thương binh và Xã hội"]
    b1 = duties["T.III.8.1.b.1"]
    assert [a.name for a in b1.lead] == ["Sở Nông nghiệp và Phát triển nông thôn"]
    assert [a.name for a in b1.coordinating] == ["Sở Thông tin và Truyền thông"]
    assert b1.section_path == [
        "III. NHIỆM VỤ, GIẢI PHÁP",
        (
            "8. Tăng cường nghiên cứu, ứng dụng khoa học - công nghệ, đổi mới sáng tạo, chuyển đổi số; "
            "đào tạo nhân lực trong nông nghiệp, nông thôn"
        ),
        (
            "8.1. Tạo đột phá trong nghiên cứu, ứng dụng khoa học công nghệ, đổi mới sáng tạo, chuyển đổi số "
            "trong nông nghiệp, nông thôn"
        ),
        "b) Sở Nông nghiệp và Phát triển nông thôn",
    ]


def test_a_theme_heading_followed_by_sở_x_chủ_trì_assigns_the_lettered_items_to_sở_x() -> None:
    duties = by_ref("lang-son-176-kh-ubnd-2023.txt")
    districts = {a.key for a in directory().province("lang-son").group_members("huyen")}
    for ref in ("T.III.4.a", "T.III.4.b", "T.III.4.c", "T.III.4.d"):
        assert [a.key for a in duties[ref].lead] == ["snnptnt"]
        assert duties[ref].coordinating_text.startswith("các ngành, UBND các huyện, thành phố")
        assert {a.key for a in duties[ref].coordinating} == districts
    assert "- Về trồng trọt:" in duties["T.III.4.b"].content and "- Về lâm nghiệp:" in duties["T.III.4.b"].content


def test_lang_son_reporting_clause_is_not_a_duty_and_gives_no_deadline() -> None:
    result = extraction("lang-son-176-kh-ubnd-2023.txt")
    clause = "định kỳ 6 tháng (15/6), hàng năm (15/12) báo cáo tình hình gửi Sở Nông nghiệp và Phát triển nông thôn"
    holders = [d for d in result.duties if clause in d.content]
    assert [d.ref for d in holders] == ["T.IV.1"]  # a continuation paragraph of item IV.1
    assert holders[0].standing and holders[0].deadline_text == ""
    assert all(d.due_date is None for d in result.duties)
    assert not any(d.title.lower().startswith(("theo dõi, kiểm tra", "định kỳ")) for d in result.duties)


def test_kien_giang_gives_the_duties_of_each_of_the_eight_bodies_in_section_iv() -> None:
    province = directory().province("kien-giang")
    bodies = {
        "1": ["Sở Nông nghiệp và Phát triển nông thôn"], "2": ["Sở Tài chính"], "3": ["Sở Công Thương"],
        "4": ["Sở Khoa học và Công nghệ"], "5": ["Liên minh Hợp tác xã tỉnh"],
        "6": ["Trung tâm Xúc tiến Đầu tư, Thương mại và Du lịch"], "7": ["Hội Nông dân tỉnh", "@doan_the"],
        "8": ["@huyen"],
    }
    duties = extraction("kien-giang-153-kh-ubnd-2018.txt").duties
    for number, lead in bodies.items():
        mine = [d for d in duties if d.ref == f"T.IV.{number}" or d.ref.startswith(f"T.IV.{number}.")]
        assert mine, f"no duty for body {number} of section IV"
        assert all({a.key for a in d.lead} == lead_keys(province, lead) for d in mine)
    assert {d.ref.split(".")[2] for d in duties} == set(bodies)


def test_kien_giang_reporting_bullet_and_conditional_clause_are_warned_about_not_proposed() -> None:
    result = extraction("kien-giang-153-kh-ubnd-2018.txt")
    assert "T.IV.1.8" not in by_ref("kien-giang-153-kh-ubnd-2018.txt")
    assert any(w.startswith("T.IV.1.8: the periodic reporting clause") for w in result.warnings)
    assert any(w.startswith("T.IV.8.3: a conditional clause") for w in result.warnings)


def test_kien_giang_bullet_split_by_a_page_break_stays_one_duty() -> None:
    duty = by_ref("kien-giang-153-kh-ubnd-2018.txt")["T.IV.1.3"]
    assert "vật tư đầu vào và\nbao tiêu sản phẩm." in duty.content
    assert duty.coordinating_text == "các sở, ngành liên quan, các huyện, thị xã, thành phố"


BAC_GIANG_DATED = {
    "T.III.2.1": ("xong trong tháng 10/2020", date(2020, 10, 31)),
    "T.III.2.2": ("Quý I/2021", date(2021, 3, 31)),
    "T.III.3.1": ("xong trước 28/02/2020", date(2020, 2, 28)),
    "T.III.3.2": ("xong trong Quý I/2020", date(2020, 3, 31)),
    "T.II.6.2": ("trong tháng 02/2020; trong Quý I/2020; trong Quý II/2020", date(2020, 6, 30)),
}


def test_bac_giang_text_gives_its_dated_duties_with_their_dates() -> None:
    duties = extraction("bac-giang-552-kh-bcd-2020.txt").duties
    dated = {d.ref: (d.deadline_text, d.due_date) for d in duties if not d.standing}
    assert dated == BAC_GIANG_DATED


def test_bac_giang_dated_text_without_a_clear_lead_is_warned_about_not_proposed() -> None:
    warnings = extraction("bac-giang-552-kh-bcd-2020.txt").warnings
    for ref, phrase in [("T.II.5.1", "xong trong Quý I/2020"), ("T.II.5.2", "trong tháng 9/2020"),
                        ("T.II.5.3", "trong tháng 9/2020"), ("T.II.8.1", "xong trong tháng 2/2020")]:
        assert any(w.startswith(f"{ref}: a deadline is written ('{phrase}')") for w in warnings), ref
    assert any(w.startswith("T.II.6.2: several deadlines") and "30/06/2020" in w for w in warnings)


def test_bac_giang_distributive_heading_leads_with_the_district_ubnds_and_keeps_the_rest_unresolved() -> None:
    duty = by_ref("bac-giang-552-kh-bcd-2020.txt")["T.III.3.1"]
    assert duty.lead_text == "UBND, Ban Chỉ đạo nông thôn mới các huyện, thành phố"
    assert len(duty.lead) == 10 and all(a.kind == "district" for a in duty.lead)
    assert duty.unresolved == ["Ban Chỉ đạo nông thôn mới các huyện, thành phố"]


def test_ninh_thuan_assigns_its_action_programme_to_the_provincial_ubnd_through_an_introduction() -> None:
    result = extract_text_duties(list(paragraphs("ninh-thuan-ctr-nq16-2022.txt")), ninh_thuan(), plan_year=2022)
    assert [(d.ref, [a.key for a in d.lead]) for d in result.duties] == [
        ("T.IV.1", ["ubnd"]), ("T.IV.2", ["ubnd"]), ("T.IV.3", ["ubnd"])]
    assert result.duties[0].milestone == (2030, date(2030, 12, 31))
    # the third opens with the yearly, 3-year and 5-year reports (the reporting schedule's) and goes on
    # with work of its own: proposed for that work, its title without the reporting sentence
    third = result.duties[2]
    assert third.title.startswith("Nghiên cứu đưa một số tiêu chí về xây dựng nông thôn mới vào nhóm chỉ tiêu")
    assert third.content.startswith("Định kỳ hàng năm, 3 năm, 5 năm") and third.standing
    assert any(w.startswith("T.IV.3: the periodic reporting clause") and w.endswith("the rest of the item is "
                                                                                   "proposed as a duty")
               for w in result.warnings)


def test_an_item_that_only_asks_for_periodic_reports_is_left_to_the_reporting_schedule() -> None:
    result = extract(["IV. TỔ CHỨC THỰC HIỆN", "1. Sở Tài chính:",
                      "- Bố trí kinh phí thực hiện Kế hoạch.",
                      "- Định kỳ 6 tháng, hàng năm báo cáo kết quả thực hiện về UBND tỉnh."])
    assert [d.title for d in result.duties] == ["Bố trí kinh phí thực hiện Kế hoạch"]
    assert any("not proposed as a duty" in w for w in result.warnings)


def test_a_duty_serialises_with_source_text_and_its_paragraph() -> None:
    data = by_ref("bac-giang-552-kh-bcd-2020.txt")["T.III.2.1"].to_json()
    assert data["source"] == "text"
    assert data["lead"] == ["Sở Nông nghiệp và Phát triển nông thôn"]
    assert data["due_date"] == "2020-10-31" and data["deadline_kind"] == "date" and data["milestones"] == []
    assert data["paragraph"].startswith("- Tham mưu giúp UBND tỉnh hoàn thành việc thẩm định")
    standing = by_ref("bac-giang-552-kh-bcd-2020.txt")["T.III.2.4"].to_json()
    assert standing["deadline_kind"] == "standing"
    assert standing["milestones"] == [{"due_date": "2020-12-31", "target": "đến năm 2020"}]


# -- small texts ------------------------------------------------------------------------------


def extract(lines: list[str], *, year: int | None = 2023, horizon: int | None = 2025) -> TextExtraction:
    """Extract from a small hand-written text against the Lạng Sơn directory."""
    return extract_text_duties(lines, directory().province("lang-son"), plan_year=year, horizon_year=horizon)


def test_outline_nests_by_marker_and_plain_paragraphs_continue_the_open_item() -> None:
    root = parse_outline([
        "Preamble", "III. NHIỆM VỤ", "8. Theme", "8.1. Sub", "a) Sở Y tế", "- one", "more of one", "+ sub",
        "b) Sở Nội vụ", "8.2. Other", "(Chi tiết theo Biểu 05 kèm theo)", "IV. TỔ CHỨC", "Nơi nhận:", "- Lưu: VT",
    ])
    assert root.body == ["Preamble"]
    roman_iii, roman_iv = root.children
    theme = roman_iii.children[0]
    assert [c.label for c in theme.children] == ["8.1", "8.2"]
    a, b = theme.children[0].children
    assert (a.text, b.text) == ("Sở Y tế", "Sở Nội vụ")
    bullet = a.children[0]
    assert bullet.body == ["more of one"] and bullet.children[0].kind == "plus"
    assert theme.children[1].body == [] and roman_iv.children == []  # the note is dropped; "Nơi nhận" ends it


def test_a_colon_head_leads_and_each_bullet_under_an_agency_heading_is_its_own_duty() -> None:
    result = extract([
        "III. NHIỆM VỤ, GIẢI PHÁP", "1. Theme",
        "a) Sở Y tế: chủ trì, phối hợp với Sở Tài chính nâng cao chất lượng y tế cơ sở.",
        "b) Sở Nội vụ", "- Thứ nhất việc A.", "- Thứ hai việc B (xong trong Quý II/2024).",
    ])
    assert [(d.ref, [a.key for a in d.lead]) for d in result.duties] == [
        ("T.III.1.a", ["syt"]), ("T.III.1.b.1", ["snv"]), ("T.III.1.b.2", ["snv"])]
    first = result.duties[0]
    assert [a.key for a in first.coordinating] == ["stc"] and first.title == "Nâng cao chất lượng y tế cơ sở"
    assert first.standing and first.milestone == (2025, date(2025, 12, 31))
    assert result.duties[2].due_date == date(2024, 6, 30) and not result.duties[2].standing


def test_giao_and_de_nghi_heads_name_the_lead_after_the_request_word() -> None:
    result = extract([
        "IV. TỔ CHỨC THỰC HIỆN",
        "1. Giao Sở Nông nghiệp và Phát triển nông thôn chủ trì, phối hợp với Sở Tài chính tổ chức triển khai.",
        "2. Đề nghị Hội Nông dân tỉnh tuyên truyền, vận động hội viên.",
        "3. Sở Nội vụ, Ban Dân tộc phối hợp Sở Y tế thực hiện tốt việc C.",
    ])
    assert [[a.key for a in d.lead] for d in result.duties] == [["snnptnt"], ["hoind"], ["snv", "bandantoc"]]
    assert [[a.key for a in d.coordinating] for d in result.duties] == [["stc"], [], ["syt"]]


def test_a_head_that_does_not_clearly_name_an_agency_is_never_proposed() -> None:
    result = extract([
        "III. NHIỆM VỤ, GIẢI PHÁP", "1. Theme",
        "a) Phát huy vai trò của các tổ chức chính trị - xã hội trong tuyên truyền.",
        "b) Sở Ma Thuật: làm việc X.",
        "c) Trên cơ sở nguồn vốn, UBND tỉnh thực hiện phân bổ xong trong tháng 2/2024.",
        "d) Các xã phấn đấu đạt chuẩn.",
    ])
    assert result.duties == []
    assert any(w.startswith("T.III.1.b: 'Sở Ma Thuật") and "looks like an agency" in w for w in result.warnings)
    assert any(w.startswith("T.III.1.c: a deadline is written ('xong trong tháng 2/2024')") for w in result.warnings)


def test_text_outside_nhiem_vu_and_to_chuc_thuc_hien_sections_is_not_read() -> None:
    result = extract(
        ["I. MỤC TIÊU", "a) Sở Y tế: nâng cao chất lượng y tế.", "II. NỘI DUNG", "1. Sở Tài chính", "Bố trí."]
    )
    assert result.duties == []
    assert result.warnings == [
        "no 'Nhiệm vụ, giải pháp' or 'Tổ chức thực hiện' section found; no duties proposed from the text"
    ]


def test_a_heading_without_any_duty_text_is_warned_about() -> None:
    result = extract(["IV. TỔ CHỨC THỰC HIỆN", "1. Sở Tài chính"])
    assert result.duties == [] and result.warnings == ["T.IV.1: 'Sở Tài chính' is a heading with no duty text under it"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hoàn thành việc thẩm định, xong trong tháng 10/2020.", [("xong trong tháng 10/2020", date(2020, 10, 31))]),
        ("Tổng kết năm 2020, phương hướng giai đoạn 2021-2025 (Quý I/2021).", [("Quý I/2021", date(2021, 3, 31))]),
        ("Xác định công việc theo tháng, quý, xong trước 28/02/2020.", [("xong trước 28/02/2020", date(2020, 2, 28))]),
        ("Hoàn thành các tiêu chí trong Quý II-III/2020.", [("trong Quý II-III/2020", date(2020, 9, 30))]),
        ("Nộp hồ sơ trước ngày 15/3/2021.", [("trước ngày 15/3/2021", date(2021, 3, 15))]),
        ("Theo Quyết định số 1980/QĐ-TTg ngày 17/10/2016 của Thủ tướng.", []),
        ("Phấn đấu đạt chuẩn năm 2020; kế hoạch giai đoạn 2021-2025.", []),
        ("Theo dõi; định kỳ 6 tháng (15/6/2024), hàng năm (15/12/2024) báo cáo gửi Sở Nông nghiệp.", []),
        ("Báo cáo định kỳ (15/6).", []),
    ],
)
def test_only_deadline_phrases_with_a_marker_and_a_year_are_read(text: str, expected: list[tuple[str, date]]) -> None:
    assert [(d.text, d.due_date) for d in find_deadlines(text, 2020)] == expected


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("NÔNG NGHIỆP, NÔNG DÂN, NÔNG THÔN ĐẾN NĂM 2030, TẦM NHÌN ĐẾN NĂM 2045", 2030),
        ("GIAI ĐOẠN 2018-2020 VÀ ĐỊNH HƯỚNG ĐẾN NĂM 2025", 2025),
        ("Triển khai Chương trình xây dựng nông thôn mới năm 2020", 2020),
        ("Kế hoạch giai đoạn 2021 - 2025", 2025),
        ("Kế hoạch liên kết sản xuất", None),
    ],
)
def test_the_plan_horizon_comes_from_the_title(title: str, year: int | None) -> None:
    assert horizon_from_text([title]) == year


def test_group_wording_and_a_trailing_các_cấp_still_give_a_head() -> None:
    reader = PhraseReader(directory().province("lang-son"))
    head = reader.head("Ủy ban Mặt trận Tổ quốc tỉnh và các đoàn thể chính trị - xã hội các cấp phối hợp chặt chẽ")
    assert head is not None and head.form == "subject" and len(head.agencies) == 6
    assert reader.head("Sở Y tế phối hợp Sở Tài chính") is not None
    assert [a.key for a in reader.head("Sở Y tế phối hợp Sở Tài chính").agencies] == ["syt"]  # not a list of two
    assert reader.head("Các xã phấn đấu đạt chuẩn") is None


# -- robustness ---------------------------------------------------------------------------------

ALL_PARAGRAPHS = [(plan, list(paragraphs(plan))) for plan in EXPECTED]


def _no_internal_error(result: TextExtraction) -> None:
    assert isinstance(result, TextExtraction)
    assert not any("could not read" in w for w in result.warnings), result.warnings
    refs = [d.ref for d in result.duties]
    assert len(refs) == len(set(refs))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_extraction_never_raises_on_shuffled_or_truncated_plans(data: st.DataObject) -> None:
    plan, lines = data.draw(st.sampled_from(ALL_PARAGRAPHS))
    cut = data.draw(st.integers(0, len(lines)))
    start = data.draw(st.integers(0, cut))
    chosen = data.draw(st.permutations(lines[start:cut])) if data.draw(st.booleans()) else lines[start:cut]
    spec = EXPECTED[plan]
    year = data.draw(st.sampled_from([None, 2020]))
    result = extract_text_duties(list(chosen), directory().province(spec["province"]), plan_year=year)
    _no_internal_error(result)


_FRAGMENTS = st.sampled_from([
    "III. NHIỆM VỤ, GIẢI PHÁP", "IV- TỔ CHỨC THỰC HIỆN", "1. Sở Tài chính", "8.1.", "a)", "b) Sở Y tế:", "- ", "+", "-",
    "Giao Sở", "Đề nghị", ":", "phối hợp với", "xong trong Quý", "(Quý I/2021)", "/2020", "Sở, ngành",
    "UBND các huyện,",
    "( (", ")", "Nơi nhận", "./.", "định kỳ", "báo cáo", "\n", "\t", "31/02/2020", "tháng 13/2020",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.text(max_size=40), st.lists(_FRAGMENTS, max_size=8).map(" ".join)), max_size=25))
def test_extraction_never_raises_on_arbitrary_text(lines: list[str]) -> None:
    _no_internal_error(extract(lines, year=None, horizon=None))
