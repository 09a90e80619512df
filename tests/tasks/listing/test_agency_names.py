"""How the pages name agencies and provinces (tasks/listing/names.py): a province by its name, an
agency by its name with its province only when another one shown has the same name, in the
Vietnamese alphabet's order."""

from __future__ import annotations

from tasks.listing.names import agency_labels, labelled_agencies, province_name


def test_a_province_is_named_never_shown_as_its_slug() -> None:
    assert province_name("bac-giang") == "Bắc Giang"  # a former province, merged into Bắc Ninh
    assert province_name("ben-tre") == "Bến Tre"
    assert province_name("ho-chi-minh") == "Hồ Chí Minh"
    assert province_name("tinh-moi") == "Tinh Moi"  # unknown to the catalogue: words, not a slug
    assert province_name(None) == ""


def test_the_province_is_added_only_to_names_two_agencies_share() -> None:
    labels = agency_labels([
        (1, "Sở Nông nghiệp và Phát triển nông thôn", "bac-giang"),
        (2, "Sở Nông nghiệp và Phát triển nông thôn", "ben-tre"),
        (3, "sở nông nghiệp và phát triển nông thôn", "lang-son"),  # the same name in other case
        (4, "UBND huyện Lục Ngạn", "bac-giang"),
        (5, "UBND huyện Châu Thành", "ben-tre"),
        (6, "UBND huyện Châu Thành", "kien-giang"),
        (4, "UBND huyện Lục Ngạn", "bac-giang"),  # the same agency twice is one agency
    ])
    assert labels == {
        1: "Sở Nông nghiệp và Phát triển nông thôn (Bắc Giang)",
        2: "Sở Nông nghiệp và Phát triển nông thôn (Bến Tre)",
        3: "sở nông nghiệp và phát triển nông thôn (Lạng Sơn)",
        4: "UBND huyện Lục Ngạn",
        5: "UBND huyện Châu Thành (Bến Tre)",
        6: "UBND huyện Châu Thành (Kiên Giang)",
    }


def test_agencies_are_sorted_in_the_vietnamese_alphabet_not_by_code_point() -> None:
    names = ["Văn phòng Điều phối nông thôn mới tỉnh", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh", "Đoàn thẩm định tỉnh",
             "Sở Y tế", "Ban Dân tộc", "Công an tỉnh", "UBND huyện Yên Thế", "Tỉnh đoàn", "Hội Nông dân tỉnh"]
    got = [label for _, label in labelled_agencies((n, name, "bac-giang") for n, name in enumerate(names))]
    assert got == ["Ban Dân tộc", "Công an tỉnh", "Đoàn thẩm định tỉnh", "Hội Nông dân tỉnh", "Sở Y tế", "Tỉnh đoàn",
                   "UBND huyện Yên Thế", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
                   "Văn phòng Điều phối nông thôn mới tỉnh"]
    assert sorted(names) != got  # code-point order puts Đ and Ủ after V
