"""The sample plans shipped in config/sample_plans/ are the real ones of ../shared/plans, unchanged."""

from __future__ import annotations

import pytest

from config.settings import REPO_ROOT, SAMPLE_PLANS

SHARED = REPO_ROOT.parent / "shared" / "plans"


def test_the_five_sample_plans_and_their_readme_are_shipped_with_the_code() -> None:
    names = sorted(p.name for p in SAMPLE_PLANS.iterdir())
    assert names == ["README.md", "bac-giang-552-kh-bcd-2020.txt", "ben-tre-1185-kh-ubnd-2019.txt",
                     "kien-giang-153-kh-ubnd-2018.txt", "lang-son-176-kh-ubnd-2023.txt", "ninh-thuan-ctr-nq16-2022.txt"]


@pytest.mark.skipif(not SHARED.is_dir(), reason="no ../shared/plans next to this checkout to compare with")
def test_the_shipped_copies_equal_the_shared_originals_byte_for_byte() -> None:
    for original in SHARED.iterdir():
        assert (SAMPLE_PLANS / original.name).read_bytes() == original.read_bytes(), original.name
