"""Agency directory: the shipped YAML, name resolution and the real cells of the sample plans."""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.directory import load_directory
from config.settings import Settings
from tasks.agencies.directory import DEFAULT_ROOT, AgencyDirectory, AgencyDirectoryError, ProvinceDirectory
from tasks.common.text import fold, nfc, strip_diacritics
from tests.conftest import PLANS

BG_HEADER = "TT\tNội dung\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian hoàn thành"

NN = "Sở Nông nghiệp và Phát triển nông thôn"
VPDP = "Văn phòng Điều phối nông thôn mới tỉnh"
KHDT = "Sở Kế hoạch và Đầu tư"
TC = "Sở Tài chính"
CT = "Sở Công Thương"
KHCN = "Sở Khoa học và Công nghệ"
VH = "Sở Văn hóa, Thể thao và Du lịch"
NV = "Sở Nội vụ"
LMHTX = "Liên minh Hợp tác xã tỉnh"
SO_NGANH = [
    "Văn phòng Ủy ban nhân dân tỉnh", NN, KHDT, TC, CT, "Sở Xây dựng", "Sở Giao thông vận tải",
    "Sở Tài nguyên và Môi trường", "Sở Thông tin và Truyền thông", "Sở Lao động - Thương binh và Xã hội",
    VH, KHCN, "Sở Giáo dục và Đào tạo", "Sở Y tế", NV, "Sở Tư pháp", "Sở Ngoại vụ", "Thanh tra tỉnh", "Ban Dân tộc",
]
DOAN_THE = [
    "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "Hội Nông dân tỉnh", "Hội Liên hiệp Phụ nữ tỉnh", "Tỉnh đoàn",
    "Hội Cựu chiến binh tỉnh", "Liên đoàn Lao động tỉnh",
]
BG = ["UBND thành phố Bắc Giang"] + [f"UBND huyện {x}" for x in (
    "Sơn Động", "Lục Ngạn", "Lục Nam", "Yên Thế", "Lạng Giang", "Yên Dũng", "Tân Yên", "Hiệp Hòa", "Việt Yên")]
BT = ["UBND thành phố Bến Tre"] + [f"UBND huyện {x}" for x in (
    "Châu Thành", "Chợ Lách", "Mỏ Cày Nam", "Mỏ Cày Bắc", "Giồng Trôm", "Bình Đại", "Ba Tri", "Thạnh Phú")]
LS = ["UBND thành phố Lạng Sơn"] + [f"UBND huyện {x}" for x in (
    "Tràng Định", "Văn Lãng", "Văn Quan", "Bình Gia", "Bắc Sơn", "Hữu Lũng", "Chi Lăng", "Cao Lộc", "Lộc Bình",
    "Đình Lập")]
KG = ["UBND thành phố Rạch Giá", "UBND thành phố Hà Tiên"] + [f"UBND huyện {x}" for x in (
    "Phú Quốc", "Kiên Lương", "Hòn Đất", "Tân Hiệp", "Châu Thành", "Giồng Riềng", "Gò Quao", "An Biên", "An Minh",
    "Vĩnh Thuận", "U Minh Thượng", "Giang Thành", "Kiên Hải")]


def expect(*parts: str | list[str]) -> list[str]:
    """Names in order of appearance, de-duplicated, as resolve_cell reports them."""
    flat = [p for part in parts for p in ([part] if isinstance(part, str) else part)]
    return list(dict.fromkeys(flat))


# Every distinct agency cell of Bắc Giang's appendix, with the agencies it names.
BAC_GIANG_CELLS: dict[str, list[str]] = {
    "Sở NN&PTNT, VPĐP tỉnh": [NN, VPDP],
    "Sở KH&ĐT, TC": [KHDT, TC],
    "UBND huyện, TP": BG,
    "UBND huyện": BG,
    "UBND các xã": [],
    "UBND 23 xã": [],
    "UBND các xã, thôn": [],
    "UBND xã có thôn triển khai thôn kiểu mẫu": [],
    "UBND huyện Việt Yên, Lạng Giang": ["UBND huyện Việt Yên", "UBND huyện Lạng Giang"],
    "UBND huyện Tân Yên": ["UBND huyện Tân Yên"],
    "Sở NN&PTNT, VPĐP, Sở, ngành, các xã": expect(NN, VPDP, SO_NGANH),
    "Sở NN&PTNT, VPĐP, Sở, ngành,": expect(NN, VPDP, SO_NGANH),
    "Sở NN&PTNT, VPĐP, Sở, ngành, địa phương": expect(NN, VPDP, SO_NGANH, BG),
    "Đoàn thẩm định": ["Đoàn thẩm định tỉnh"],
    "Đoàn thẩm tra tỉnh": ["Đoàn thẩm tra tỉnh"],
    "Đoàn thẩm tra, UBND xã phân đầu đạt chuẩn 2020": ["Đoàn thẩm tra tỉnh"],
    "UBND huyện, UBND 08 xã": BG,
    "UBND huyện, 08 xã": BG,
    "Sở, ngành, VPĐP": expect(SO_NGANH, VPDP),
    "Sở TN&MT": ["Sở Tài nguyên và Môi trường"],
    "VPĐP tỉnh": [VPDP],
    "Sở KH&ĐT, TC, UBND huyện, TP": expect(KHDT, TC, BG),
    "Sở KH&ĐT, TC, VPĐP, các xã": [KHDT, TC, VPDP],
    "Sở KH&ĐT, NN&PTNT, VPĐP": [KHDT, NN, VPDP],
    "Sở NN&PTNT, VPĐP": [NN, VPDP],
    "Sở NN&PTNT": [NN],
    "Sở NN&PTNT, Chi cục PTNT": [NN, "Chi cục Phát triển nông thôn"],
    "Sở NN&PTNT, Sở, ngành, UBND huyện Tân Yên": expect(NN, SO_NGANH, "UBND huyện Tân Yên"),
    "Các Sở, ngành, các địa phương": expect(SO_NGANH, BG),
    "Sở, ngành, các địa phương": expect(SO_NGANH, BG),
    "Sở, ban, ngành và các địa phương": expect(SO_NGANH, BG),
    "Sở, ngành, UBND huyện, TP": expect(SO_NGANH, BG),
    "Sở, ngành, UBND các xã sáp nhập": SO_NGANH,
    "Sở, ngành thuộc UBND tỉnh": SO_NGANH,
    "Sở VH,TT-DL": [VH],
    "Công an tỉnh": ["Công an tỉnh"],
    "Sở XD, UBND các xã": ["Sở Xây dựng"],
    "Sở Nội vụ": [NV],
    "Ban Thi đua - Khen thưởng tỉnh, Sở Nội vụ": ["Ban Thi đua - Khen thưởng tỉnh", NV],
    "Mặt trận tổ quốc": ["Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh"],
}

# Every distinct "Đơn vị chủ trì" / "Cơ quan phối hợp" cell of Bến Tre's appendix (keys: nfc()).
BEN_TRE_CELLS: dict[str, list[str]] = {
    "Sở Văn hóa Thể thao và Du lịch": [VH],
    "Sở Văn hóa, Thông tin và Du lịch, UBND huyện Chợ lách": [VH, "UBND huyện Chợ Lách"],
    "Các đơn vị có liên quan thực hiện": [],
    "và các đơn vị có liên quan": [],
    "Các đơn vị, địa phương có liên quan": [],
    "Sở Nông nghiệp và Phát triển nông thôn": [NN],
    "Sở Nông - nghiệp và Phát triển nông thôn": [NN],
    "Sở Nông nghiệp và Phát, triển nông thôn": [NN],
    "Sở Nội vụ; Văn phòng Điều phối xây dựng NTM thực hiện": [NV, VPDP],
    "Ban Tuyên Giáo Tỉnh ủy và Sở Nông nghiệp và Phát triển nông thôn; Văn phòng điều phối xây dựng NTM;": [
        "Ban Tuyên giáo Tỉnh ủy", NN, VPDP],
    "Các Sở ban ngành, đoàn thể tỉnh; Ủy ban nhân dân các huyện, thành phố": expect(SO_NGANH, DOAN_THE, BT),
    "Các Sở ban ngành, đoàn thể tỉnh; UBND các huyện, thành phố": expect(SO_NGANH, DOAN_THE, BT),
    "Văn phòng điều phối Xây dựng NTM": [VPDP],
    "Văn phòng Điều phối Chương trình mục tiêu quốc gia xây dựng - NTM tỉnh": [VPDP],
    "Vãn phòng Điều phối Chương trình mục tiêu quốc gia xây dựng NTM tỉnh": [VPDP],
    "Các sở ban, ngành tỉnh và UBND các huyện/thành phố": expect(SO_NGANH, BT),
    "Các sở ban, ngành tỉnh và UBNĐ các huyện/thành phố": expect(SO_NGANH, BT),
    "UBND các huyện, thành phố và các đơn vị có liên quan": BT,
    "Sở Kế hoạch và Đầu tư, Liên Minh HTX tỉnh": [KHDT, LMHTX],
    "Sở Nông nghiệp và Phát triển nông thôn; Liên Minh HTX;": [NN, LMHTX],
    "Sở Nông nghiệp và Phát triển nông thôn; Liên minh HTX; Sở Công Thương (chuỗi dừa)": [NN, LMHTX, CT],
    "Sở Kế hoạch và Đầu tư, Sở Tài chính, UBND các huyện, thành phố và các đơn vị có liên quan": expect(KHDT, TC, BT),
    "Ban Quản lý dự án đầu tư xây dựng các công trình NN&PTNT; Sở Nông nghiệp và Phát triển nông thôn": [
        "Ban Quản lý dự án đầu tư xây dựng các công trình Nông nghiệp và Phát triển nông thôn tỉnh", NN],
    "Sở Kế hoạch và Đầu tư; UBND các huyện/thành phố": expect(KHDT, BT),
    "Sở Nông nghiệp và Phát triển nông thôn; Sở Kế hoạch và Đầu tư": [NN, KHDT],
    "Sở Nông nghiệp và Phát triển nông thôn; Sở Khoa học và Công nghệ": [NN, KHCN],
    "Sở Nông nghiệp và Phát triển nông thôn; UBND các huyện/thành phố": expect(NN, BT),
    "Sở Khoa học và công nghệ; UBND các huyện/thành phố": expect(KHCN, BT),
    "Sở Nông nghiệp và Phát triển nông thôn (thực hiện hoặc đề xuất Sở Công thương phối hợp xúc tiến thương mại "
    "các mặt hàng nông sản thuộc thẩm quyền quản lý của Sở); Sở Công thương; UBND các huyện, thành phố":
        expect(NN, CT, BT),
    "Sở Tài nguyên và Môi trường Sở Nông nghiệp và Phát triển nông thôn": ["Sở Tài nguyên và Môi trường", NN],
    "Sở Nông nghiệp và Phát triển nông thôn, UBND các huyện ven biển UBND các huyện ven biển": [
        NN, "UBND huyện Bình Đại", "UBND huyện Ba Tri", "UBND huyện Thạnh Phú"],
    "Sở Công thương, Y tế và Các sở ban, ngành tỉnh và UBND các huyện/thành phố": expect(CT, "Sở Y tế", SO_NGANH, BT),
}

# The only parts of those cells left unresolved: commune-level wording (xã / thôn).
COMMUNE_LEFTOVERS = {
    "UBND các xã", "các xã", "UBND 23 xã", "UBND 08 xã", "08 xã", "UBND các xã, thôn", "UBND các xã sáp nhập",
    "UBND xã có thôn triển khai thôn kiểu mẫu", "UBND xã phân đầu đạt chuẩn 2020",
}


def bac_giang_cells() -> list[str]:
    """Both agency cells of every task row after the appendix header (header repeats skipped)."""
    lines = (PLANS / "bac-giang-552-kh-bcd-2020.txt").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines[lines.index(BG_HEADER) + 1 :] if line != BG_HEADER]
    return [cell for row in rows if len(row) == 5 for cell in row[2:4] if cell.strip()]


def ben_tre_cells() -> list[str]:
    """"Đơn vị chủ trì" and "Cơ quan phối hợp" of every appendix row (one cell per tab-led line)."""
    text = (PLANS / "ben-tre-1185-kh-ubnd-2019.txt").read_text(encoding="utf-8")
    block = re.sub(r"\n (?=\t)", "\n\t ", text[text.index("\tTT\n") :])  # " \t": an empty TT cell
    cells = block.split("\t")[1:]
    assert len(cells) % 7 == 0 and nfc(cells[5]) == "Đơn vị chủ trì"
    rows = [cells[k : k + 7] for k in range(7, len(cells), 7)]
    return [cell for row in rows for cell in row[5:7] if cell.strip()]


DIRECTORY = AgencyDirectory.load()


@pytest.fixture(scope="module")
def directory() -> AgencyDirectory:
    return DIRECTORY


def names(prov: ProvinceDirectory, cell: str) -> list[str]:
    return [a.name for a in prov.resolve_cell(cell).agencies]


def test_the_default_folder_holds_the_four_sample_provinces(directory: AgencyDirectory) -> None:
    assert Path(__file__).resolve().parents[3] / "config" / "agencies" == DEFAULT_ROOT
    assert sorted(directory.provinces) == ["bac-giang", "ben-tre", "kien-giang", "lang-son"]


def test_an_unknown_province_slug_raises_a_clear_key_error(directory: AgencyDirectory) -> None:
    with pytest.raises(KeyError, match=r"unknown province 'ha-noi'.*bac-giang"):
        directory.province("ha-noi")


@pytest.mark.parametrize(("slug", "districts"),
                         [("bac-giang", BG), ("ben-tre", BT), ("lang-son", LS), ("kien-giang", KG)])
def test_each_province_has_its_district_ubnds_as_they_were_when_its_plan_was_issued(
    directory: AgencyDirectory, slug: str, districts: list[str]
) -> None:
    prov = directory.province(slug)
    assert [a.name for a in prov.agencies if a.kind == "district"] == districts
    assert names(prov, "UBND các huyện, thành phố") == districts


@pytest.mark.parametrize("slug", ["bac-giang", "ben-tre", "lang-son", "kien-giang"])
def test_every_province_loads_with_unique_keys_and_no_name_resolving_to_two_agencies(
    directory: AgencyDirectory, slug: str
) -> None:
    prov = directory.province(slug)
    keys = [a.key for a in prov.agencies]
    assert len(keys) == len(set(keys))
    owner: dict[str, str] = {}
    for agency in prov.agencies:
        for name in (agency.name, *agency.aliases):
            assert owner.setdefault(fold(name), agency.key) == agency.key, name
            for variant in (name, name.upper(), unicodedata.normalize("NFD", name), strip_diacritics(name)):
                found = prov.resolve_name(variant)
                assert found is not None and found.key == agency.key, variant
    assert prov.office.key == "vpdp" and prov.office.kind == "office"


def test_every_shipped_email_address_uses_an_example_domain(directory: AgencyDirectory) -> None:
    for slug in directory.provinces:
        prov = directory.province(slug)
        assert prov.leadership_email.endswith(".example")
        for agency in prov.agencies:
            assert agency.email.endswith(".example") and agency.head_email.endswith(".example")
    for path in DEFAULT_ROOT.glob("*.yaml"):
        for address in re.findall(r"[\w.+-]+@[\w.-]+", path.read_text(encoding="utf-8")):
            assert address.endswith(".example"), (path.name, address)


def test_emails_are_computed_from_the_key_and_the_province_domain(directory: AgencyDirectory) -> None:
    prov = directory.province("bac-giang")
    nn = prov.get("snnptnt")
    assert (nn.email, nn.head_email) == ("snnptnt@bacgiang.example", "giamdoc.snnptnt@bacgiang.example")
    tan_yen = prov.get("ubnd-huyen-tan-yen")
    assert tan_yen.name == "UBND huyện Tân Yên" and tan_yen.email == "ubnd-huyen-tan-yen@bacgiang.example"
    assert prov.leadership_email == "lanhdao@bacgiang.example"


def test_a_province_file_can_override_a_standard_agency(directory: AgencyDirectory) -> None:
    assert directory.province("ben-tre").get("bao").name == "Báo Đồng Khởi"
    assert directory.province("lang-son").get("bao").name == "Báo Lạng Sơn"


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Sở Văn hoá, Thể thao và Du lịch", "svhttdl"),
        ("Sở Văn hóa, Thể thao và Du lịch", "svhttdl"),
        ("SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN", "snnptnt"),
        (unicodedata.normalize("NFD", "Sở Tài nguyên và Môi trường"), "stnmt"),
        ("Sở NN và PTNT", "snnptnt"),
        ("Uỷ ban nhân dân tỉnh Bắc Giang", "ubnd"),
        ("Ngân hàng Nhà nước chi nhánh tỉnh Bắc Giang", "nhnn"),
        ("Sở Nông nghiệp và Môi trường", "snnptnt"),  # 2025 successor shared with Sở TN&MT
        ("Sở Dân tộc và Tôn giáo", "bandantoc"),
    ],
)
def test_resolve_name_ignores_case_form_and_tone_placement_and_knows_successors(
    directory: AgencyDirectory, written: str, key: str
) -> None:
    found = directory.province("bac-giang").resolve_name(written)
    assert found is not None and found.key == key


def test_merged_departments_record_their_2025_successor_and_the_successor_resolves(directory: AgencyDirectory) -> None:
    prov = directory.province("ben-tre")
    expected = {"snnptnt": "Sở Nông nghiệp và Môi trường", "stnmt": "Sở Nông nghiệp và Môi trường",
                "skhdt": "Sở Tài chính", "stttt": "Sở Khoa học và Công nghệ", "sldtbxh": "Sở Nội vụ",
                "sgtvt": "Sở Xây dựng"}
    for key, successor in expected.items():
        assert prov.get(key).successor == successor
        assert prov.resolve_name(successor) is not None
    assert prov.get("sxd").successor is None


def test_an_unknown_name_is_reported_unresolved_and_never_guessed(directory: AgencyDirectory) -> None:
    prov = directory.province("bac-giang")
    assert prov.resolve_name("Sở Kiến thiết") is None
    res = prov.resolve_cell("Sở NN&PTNT, Sở Kiến thiết; Ban Quản lý dự án đầu tư xây dựng tỉnh")
    assert [a.key for a in res.agencies] == ["snnptnt"]
    assert res.unresolved == ["Sở Kiến thiết", "Ban Quản lý dự án đầu tư xây dựng tỉnh"]


def test_a_known_name_inside_a_longer_unknown_name_is_not_picked_out(directory: AgencyDirectory) -> None:
    prov = directory.province("bac-giang")
    for cell in ("Phòng Nông nghiệp huyện Tân Yên", "Sở NN&PTNT tỉnh Hà Nội", "Hội Nông dân xã Tân Trung"):
        res = prov.resolve_cell(cell)
        assert (res.agencies, res.unresolved) == ([], [cell])


def test_parenthetical_remarks_and_words_naming_nobody_are_dropped(directory: AgencyDirectory) -> None:
    prov = directory.province("ben-tre")
    res = prov.resolve_cell("Giao Sở Công Thương (chuỗi dừa) chủ trì; các đơn vị có liên quan thực hiện")
    assert ([a.name for a in res.agencies], res.unresolved) == ([CT], [])


@pytest.mark.parametrize("cell", sorted(BAC_GIANG_CELLS))
def test_each_bac_giang_appendix_cell_resolves_to_the_expected_agencies(directory: AgencyDirectory, cell: str) -> None:
    assert names(directory.province("bac-giang"), cell) == BAC_GIANG_CELLS[cell]


@pytest.mark.parametrize("cell", sorted(BEN_TRE_CELLS))
def test_each_ben_tre_appendix_cell_resolves_to_the_expected_agencies(directory: AgencyDirectory, cell: str) -> None:
    assert names(directory.province("ben-tre"), cell) == BEN_TRE_CELLS[cell]


@pytest.mark.parametrize(("slug", "extract", "table"), [
    ("bac-giang", bac_giang_cells, BAC_GIANG_CELLS), ("ben-tre", ben_tre_cells, BEN_TRE_CELLS)])
def test_every_cell_of_the_sample_appendix_is_covered_and_only_commune_wording_is_left_over(
    directory: AgencyDirectory, slug: str, extract, table: dict[str, list[str]]
) -> None:
    prov = directory.province(slug)
    cells = extract()
    assert {nfc(c) for c in cells} == set(table)
    leftovers = set()
    for cell in cells:
        res = prov.resolve_cell(cell)
        assert [a.name for a in res.agencies] == table[nfc(cell)], cell
        leftovers.update(res.unresolved)
    assert leftovers <= COMMUNE_LEFTOVERS
    assert all(prov.is_commune_wording(text) for text in leftovers)
    if slug == "bac-giang":
        assert leftovers == COMMUNE_LEFTOVERS


@pytest.mark.parametrize(
    ("slug", "heading", "expected"),
    [
        ("lang-son", "Các sở, ban, ngành; UBND cấp huyện", expect(SO_NGANH, LS)),
        ("lang-son", "Sở Nông nghiệp và Phát triển nông thôn; Văn phòng Điều phối nông thôn mới tỉnh", [NN, VPDP]),
        ("lang-son", "Sở Lao động - Thương binh và Xã hội", ["Sở Lao động - Thương binh và Xã hội"]),
        ("lang-son", "Ngân hàng Nhà nước chi nhánh tỉnh Lạng Sơn", ["Ngân hàng Nhà nước chi nhánh tỉnh"]),
        ("lang-son", "Ủy ban Mặt trận Tổ quốc tỉnh và các đoàn thể chính trị - xã hội", DOAN_THE),
        ("lang-son", "Ban Dân tộc", ["Ban Dân tộc"]),
        ("kien-giang", "Trung tâm Xúc tiến, Đầu tư Thương mại và Du lịch",
         ["Trung tâm Xúc tiến Đầu tư, Thương mại và Du lịch"]),
        ("kien-giang", "Đề nghị Hội Nông dân tỉnh và các tổ chức chính trị- xã hội.",
         expect("Hội Nông dân tỉnh", DOAN_THE)),
        ("kien-giang", "Các huyện, thị xã, thành phố", KG),
        ("kien-giang", "Liên minh Hợp tác xã tỉnh, Sở Công Thương, Sở Khoa học và Công nghệ", [LMHTX, CT, KHCN]),
    ],
)
def test_agency_headings_of_the_prose_plans_resolve(
    directory: AgencyDirectory, slug: str, heading: str, expected: list[str]
) -> None:
    res = directory.province(slug).resolve_cell(heading)
    assert ([a.name for a in res.agencies], res.unresolved) == (expected, [])


def test_a_shared_so_prefix_carries_over_to_the_next_name_only_after_a_department(directory: AgencyDirectory) -> None:
    prov = directory.province("ben-tre")
    assert names(prov, "Sở Công thương, Y tế") == [CT, "Sở Y tế"]
    assert prov.resolve_cell("Y tế").unresolved == ["Y tế"]
    assert names(prov, "Sở KH&ĐT, NN&PTNT, VPĐP") == [KHDT, NN, VPDP]


def test_names_containing_commas_are_not_split(directory: AgencyDirectory) -> None:
    prov = directory.province("bac-giang")
    assert names(prov, "Sở Văn hóa, Thể thao và Du lịch") == [VH]
    assert names(prov, "Sở Lao động, Thương binh và Xã hội") == ["Sở Lao động - Thương binh và Xã hội"]
    assert names(prov, "Sở VH,TT&DL, Sở Y tế") == [VH, "Sở Y tế"]


def test_group_members_lists_a_groups_agencies(directory: AgencyDirectory) -> None:
    prov = directory.province("ben-tre")
    assert [a.name for a in prov.group_members("ven_bien")] == [
        "UBND huyện Bình Đại", "UBND huyện Ba Tri", "UBND huyện Thạnh Phú",
    ]
    assert [a.name for a in prov.group_members("so_nganh")] == SO_NGANH
    assert prov.group_members("cac_xa") == []
    with pytest.raises(KeyError):
        prov.group_members("no-such-group")


def test_unresolved_parts_are_reported_as_written_in_nfc(directory: AgencyDirectory) -> None:
    res = directory.province("bac-giang").resolve_cell(unicodedata.normalize("NFD", "Sở XD,  UBND 23   xã"))
    assert [a.key for a in res.agencies] == ["sxd"]
    assert res.unresolved == ["UBND 23 xã"]


@pytest.mark.parametrize(
    ("plan", "slug"),
    [
        ("bac-giang-552-kh-bcd-2020.txt", "bac-giang"),
        ("ben-tre-1185-kh-ubnd-2019.txt", "ben-tre"),
        ("lang-son-176-kh-ubnd-2023.txt", "lang-son"),
        ("kien-giang-153-kh-ubnd-2018.txt", "kien-giang"),
        ("ninh-thuan-ctr-nq16-2022.txt", None),  # not in the directory
    ],
)
def test_infer_province_reads_the_head_of_each_sample_plan(directory: AgencyDirectory, plan: str,
                                                           slug: str | None) -> None:
    head = "\n".join((PLANS / plan).read_text(encoding="utf-8").splitlines()[:40])
    assert directory.infer_province(head) == slug


def test_infer_province_picks_the_province_named_most_often(directory: AgencyDirectory) -> None:
    assert directory.infer_province("UBND tỉnh Bến Tre") == "ben-tre"
    assert directory.infer_province("Lạng Sơn, ngày 1/1/2023. Học tập Bắc Giang; tỉnh Lạng Sơn") == "lang-son"
    assert directory.infer_province("Kế hoạch không nêu tỉnh nào") is None


def write_config(tmp_path: Path, province: str) -> Path:
    shutil.copy(DEFAULT_ROOT / "standard.yaml", tmp_path / "standard.yaml")
    (tmp_path / "test.yaml").write_text(province, encoding="utf-8")
    return tmp_path


PROVINCE = (
    "slug: thu\nname: Thử\nemail_domain: {domain}\nleadership: {{name: X, email: x@{domain}}}\ndistricts: [A Lưới]\n"
)


def test_a_real_mail_domain_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="example domain"):
        AgencyDirectory.load(write_config(tmp_path, PROVINCE.format(domain="thu.gov.vn")))


def test_an_alias_claimed_by_two_agencies_is_refused_at_load(tmp_path: Path) -> None:
    clash = PROVINCE.format(domain="thu.example") + "extra_aliases: {stc: [Sở NN&PTNT]}\n"
    with pytest.raises(ValueError, match="ambiguous"):
        AgencyDirectory.load(write_config(tmp_path, clash))


def test_a_folder_without_standard_yaml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AgencyDirectoryError, match=r"no standard\.yaml"):
        AgencyDirectory.load(tmp_path)


def test_a_real_mail_domain_is_accepted_in_production_only(tmp_path: Path) -> None:
    folder = write_config(tmp_path, PROVINCE.format(domain="thu.gov.vn"))
    with pytest.raises(AgencyDirectoryError, match="unless DONDOC_ENV=production"):
        load_directory(Settings(agencies_dir=folder, env="development"))
    prov = load_directory(Settings(agencies_dir=folder, env="production")).province("thu")
    assert prov.leadership_email == "x@thu.gov.vn"
    assert prov.office.email == "vpdp@thu.gov.vn"


@pytest.mark.parametrize("address", ["x@thu", "x y@thu.example", "x@@thu.example", "thu.example"])
def test_a_malformed_address_is_refused_even_in_production(tmp_path: Path, address: str) -> None:
    spec = PROVINCE.format(domain="thu.example").replace("email: x@thu.example", f"email: '{address}'")
    with pytest.raises(AgencyDirectoryError, match="is not an e-mail address"):
        AgencyDirectory.load(write_config(tmp_path, spec), example_addresses_only=False)


def test_a_yaml_syntax_error_names_the_file_and_the_line(tmp_path: Path) -> None:
    spec = PROVINCE.format(domain="thu.example") + "districts: [A Lưới, Nam Đông\n"
    with pytest.raises(AgencyDirectoryError) as err:
        AgencyDirectory.load(write_config(tmp_path, spec))
    message = str(err.value)
    assert "test.yaml, line " in message and "not valid YAML" in message and "\n" not in message


@pytest.mark.parametrize(("tail", "expected"), [
    ("agencies: [{code: sxd}]\n", "malformed entry"),  # an agency without name or kind
    ("agencies: 5\n", "malformed entry"),
    ("leadership: lanhdao\n", "missing field"),
])
def test_an_entry_of_the_wrong_shape_is_one_error_naming_the_file(tmp_path: Path, tail: str, expected: str) -> None:
    spec = PROVINCE.format(domain="thu.example").replace("leadership: {name: X, email: x@thu.example}\n", "") + tail
    if "leadership" not in tail:
        spec += "leadership: {name: X, email: x@thu.example}\n"
    with pytest.raises(AgencyDirectoryError, match=expected) as err:
        AgencyDirectory.load(write_config(tmp_path, spec))
    assert "test.yaml" in str(err.value)


AGENCY_NAMES = [a.name for a in DIRECTORY.province("bac-giang").agencies]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(AGENCY_NAMES), min_size=1, max_size=5, unique=True),
       st.sampled_from([", ", "; ", "\n", " và "]))
def test_any_list_of_full_names_resolves_to_those_agencies_in_order(picked: list[str], separator: str) -> None:
    res = DIRECTORY.province("bac-giang").resolve_cell(separator.join(picked))
    assert ([a.name for a in res.agencies], res.unresolved) == (picked, [])


def test_a_directory_file_that_is_not_utf8_is_one_error_naming_it(tmp_path: Path) -> None:
    folder = write_config(tmp_path, PROVINCE.format(domain="thu.example"))
    (folder / "test.yaml").write_bytes(PROVINCE.format(domain="thu.example").encode("cp1258", errors="replace"))
    with pytest.raises(AgencyDirectoryError, match=r"test.yaml: not UTF-8 text"):
        AgencyDirectory.load(folder)


# -- each file's shape, checked by its pydantic model: one line naming the file and the line --------------------------

AGENCY = "agencies:\n  - code: sxd2\n    name: Sở Xây dựng 2\n    kind: body\n"  # lines 6-9 after PROVINCE


@pytest.mark.parametrize(("tail", "line", "expected"), [
    (AGENCY.replace("name: Sở Xây dựng 2", "name: 2020"), 8,
     "malformed entry: agencies[0].name must be text, got 2020"),
    (AGENCY + "    aliass: [SXD 2]\n", 10, "malformed entry: agencies[0]: unknown key 'aliass' (known: code, name, "),
    (AGENCY.replace("kind: body", "kind: bureau"), 9, "agencies[0]: unknown kind 'bureau' (known: department, body,"),
    (AGENCY + "    email: sxd2@thu\n", 10, "agencies[0].email: 'sxd2@thu' is not an e-mail address"),
    (AGENCY + "    head_email: gd@thu.gov.vn\n", 10,
     "agencies[0].head_email: address 'gd@thu.gov.vn' must use an example domain (*.example)"),
    (AGENCY.replace("code: sxd2", "code: sxd 2"), 7, "agencies[0].code: 'sxd 2' cannot be part of a mail address"),
    (AGENCY.replace("code: sxd2", "code: sxd"), 7, "duplicate agency keys ['sxd']"),
    ("districts: [Nam Đông, {name: Huế, type: quan}]\n", 6, "districts[1]: unknown type 'quan' (known: huyen,"),
    ("overrides:\n  bao: {name: Báo Thử}\n  nope: {name: X}\n", 8,
     "overrides/extra_aliases for unknown agencies ['nope']"),
    ("overrides:\n  bao: {code: bao2}\n", 7, "malformed entry: overrides.bao: unknown key 'code'"),
    ("extra_aliases:\n  sxd: Sở XD mới\n", 7, "malformed entry: extra_aliases.sxd must be a list, got 'Sở XD mới'"),
    ("groups:\n  - code: g\n    members: [Nam Đông]\n", 8, "group 'g' names unknown member 'Nam Đông'"),
    ("groups:\n  - code: g\n    kind: commune\n", 8,
     "groups[0]: unknown kind 'commune' (known: group, commune_group, abolished)"),
    ("slogan: Thử\n", 6, "unknown key 'slogan' (known: slug, name, email_domain, leadership, districts,"),
])
def test_a_broken_entry_is_one_error_naming_the_file_and_its_line(
        tmp_path: Path, tail: str, line: int, expected: str) -> None:
    folder = write_config(tmp_path, PROVINCE.format(domain="thu.example") + tail)
    with pytest.raises(AgencyDirectoryError) as err:
        AgencyDirectory.load(folder)
    message = str(err.value)
    assert message.startswith(f"{folder / 'test.yaml'}, line {line}: ") and expected in message, message
    assert "\n" not in message


@pytest.mark.parametrize(("change", "expected"), [
    (("kind: office", "kind: ofice"), "malformed entry: agencies[2]: unknown kind 'ofice'"),
    (("  department: giamdoc", "  department: giam doc"), "head_prefix.department: 'giam doc' cannot be part of"),
    (("  department: giamdoc", "  dept: giamdoc"), "head_prefix: unknown key 'dept' (known: department, body,"),
])
def test_a_broken_standard_yaml_is_named_with_its_line(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    folder = write_config(tmp_path, PROVINCE.format(domain="thu.example"))
    standard = folder / "standard.yaml"
    text = standard.read_text(encoding="utf-8").replace(*change, 1)
    standard.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if change[1] in row)
    with pytest.raises(AgencyDirectoryError) as err:
        AgencyDirectory.load(folder)
    assert str(err.value).startswith(f"{standard}, line {line}: ") and expected in str(err.value), str(err.value)


def test_a_malformed_leadership_address_names_its_line(tmp_path: Path) -> None:
    spec = PROVINCE.format(domain="thu.example").replace("leadership: {name: X, email: x@thu.example}",
                                                          "leadership:\n  name: X\n  email: x@@thu.example")
    with pytest.raises(AgencyDirectoryError) as err:
        AgencyDirectory.load(write_config(tmp_path, spec), example_addresses_only=False)
    assert str(err.value).endswith(", line 6: leadership.email: 'x@@thu.example' is not an e-mail address")


def test_a_real_mail_domain_names_the_line_of_the_domain(tmp_path: Path) -> None:
    with pytest.raises(AgencyDirectoryError) as err:
        AgencyDirectory.load(write_config(tmp_path, PROVINCE.format(domain="thu.gov.vn")))
    assert str(err.value).endswith(
        "test.yaml, line 3: email_domain: domain 'thu.gov.vn' must be an example domain (*.example)"
        " unless DONDOC_ENV=production")


def test_a_province_dict_is_checked_by_the_same_models() -> None:
    standard = {"agencies": [{"code": "vp", "name": "Văn phòng", "kind": "office"}]}
    spec = {"slug": "x", "name": "X", "email_domain": "x.example", "leadership": {"name": "L", "email": "l@x.example"}}
    assert ProvinceDirectory(standard, spec).office.email == "vp@x.example"
    with pytest.raises(AgencyDirectoryError, match=r"^x: malformed entry: districts\[0\] must be a name or a mapping"):
        ProvinceDirectory(standard, {**spec, "districts": [5]})
    with pytest.raises(AgencyDirectoryError, match=r"^x \(standard agencies\): malformed entry: agencies\[0\]"):
        ProvinceDirectory({"agencies": [{"code": "vp"}]}, spec)
