"""A plan of a province set up with `dondoc province add` (issue 13), handled from the browser: the
web resolves agencies against the same directory as the command line (the sample directories
joined with the provinces set up in the database). Bắc Ninh's 2026 plan is uploaded, previewed,
imported and reviewed; SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session, col, select

from models.agencies.setup import set_up_province
from models.core.db import session_scope
from models.core.tables import Agency, Assignment, Plan, Task
from tests.flows.test_province_setup import MOTTO, NATIONAL, _word_plan
from tests.web.conftest import Browserless, World
from tests.web.importing.test_plan_import_pages import FORM, confirm, ref_of, upload_file

CODE = "45/KH-UBND"


def bac_ninh_plan(folder: Path) -> Path:
    """Bắc Ninh's 2026 plan: tasks led by communes and today's departments, and a duty in its prose."""
    return _word_plan(folder / "ke-hoach-45.docx", [
        ["ỦY BAN NHÂN DÂN\nTỈNH BẮC NINH\n_______\nSố: 45/KH-UBND",
         f"{NATIONAL}\n{MOTTO}\n_______________\nBắc Ninh, ngày 15 tháng 01 năm 2026"],
    ], ["KẾ HOẠCH", "Chuyển đổi số trong nông nghiệp năm 2026", "I. MỤC ĐÍCH, YÊU CẦU", "Tổ chức thực hiện.",
        "III. TỔ CHỨC THỰC HIỆN",
        ("1. Sở Y tế chủ trì, phối hợp với các cơ quan liên quan hướng dẫn bảo đảm an toàn thực phẩm nông sản "
         "trên sàn thương mại điện tử, báo cáo kết quả trước ngày 15/12/2026.")], [
        ["1", "Rà soát hạ tầng số", "UBND các xã, phường", "", "30 ngày kể từ ngày ban hành Kế hoạch"],
        ["2", "Thí điểm sàn nông sản", "UBND xã Lục Ngạn, UBND xã Sơn Động", "Sở NN&MT", "Quý II/2026"],
        ["3", "Hướng dẫn chuyển đổi số", "Sở NN&MT", "Các sở, ban, ngành", "Tháng 6/2026"],
    ])  # fmt: skip


def test_the_office_imports_and_reviews_a_plan_of_a_province_set_up_in_the_database(
        world: World, office: Browserless, tmp_path: Path) -> None:
    assert 'value="bac-ninh"' not in office.get(FORM).text  # not one of the sample directories
    with session_scope(world.engine) as s:
        set_up_province(s, slug="bac-ninh", actor="test")
    form = office.get(FORM).text
    assert '<option value="bac-ninh">Bắc Ninh</option>' in form

    preview = upload_file(office, bac_ninh_plan(tmp_path), province="bac-ninh")
    assert preview.status_code == 200, preview.text[:2000]
    assert CODE in preview.text and "UBND xã Lục Ngạn" in preview.text
    done = confirm(office, ref_of(preview), follow_redirects=False)
    assert done.status_code == 303, done.text[:2000]
    assert "msg=plan_created" in done.headers["location"]

    with Session(world.engine) as s:
        plan = s.exec(select(Plan).where(Plan.code == CODE)).one()
        assert plan.province == "bac-ninh"
        leads = set(s.exec(select(Agency.name).join(Assignment, Assignment.agency_id == Agency.id)  # type: ignore[arg-type]
                           .join(Task, col(Task.id) == Assignment.task_id)
                           .where(Task.plan_id == plan.id, Task.ref == "2", Assignment.role == "lead")))
    assert leads == {"UBND xã Lục Ngạn", "UBND xã Sơn Động"}

    review = office.get(f"/plans/{plan.id}/review")
    assert review.status_code == 200, review.text[:2000]
    assert "Rà soát nhiệm vụ đề xuất – Kế hoạch 45/KH-UBND" in review.text
    assert office.get("/review").status_code == 200
    proposals = re.findall(r'<section class="mine" id="nv-([^"]+)">', review.text)
    assert proposals == ["T.III.1"]  # the duty in the prose, led by Sở Y tế
    # the office gives it to a commune that only the database's directory knows
    edited = office.submit(f"/plans/{plan.id}/review", f"/plans/{plan.id}/review/edit", {
        "ref": "T.III.1", "title": "Hướng dẫn an toàn thực phẩm nông sản", "due_date": "15/12/2026",
        "lead": "UBND xã Lục Ngạn", "coordinating": "Sở Y tế"}, follow_redirects=False)
    assert edited.status_code == 303, edited.text[:2000]
    with Session(world.engine) as s:
        task = s.exec(select(Task).where(Task.plan_id == plan.id, Task.ref == "T.III.1")).one()
        names = set(s.exec(select(Agency.name).join(Assignment, Assignment.agency_id == Agency.id)  # type: ignore[arg-type]
                           .where(Assignment.task_id == task.id, Assignment.role == "lead")))
    assert names == {"UBND xã Lục Ngạn"}
