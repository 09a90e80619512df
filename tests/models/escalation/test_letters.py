"""The công văn đôn đốc goes with the sweep's letters from level 2 on and is kept on disk
(real Bắc Giang plan, SQLite and PostgreSQL, real SMTP server)."""

from __future__ import annotations

import io
from datetime import date
from email.utils import parseaddr

import pytest
import sqlalchemy as sa
from docx import Document

from config.settings import get_settings, reset_settings
from flows.escalation.sweep import daily_sweep
from flows.importing.flow import import_plan
from models.core.db import session_scope
from models.escalation.letters import cong_van_for
from tasks.escalation.letter import DOCX_TYPE
from tests.conftest import PLANS

NN, NN_HEAD = "snnptnt@bacgiang.example", "giamdoc.snnptnt@bacgiang.example"


@pytest.fixture
def plan(engine: sa.Engine, smtp_sink, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DONDOC_SMTP_HOST", smtp_sink.host)
    monkeypatch.setenv("DONDOC_SMTP_PORT", str(smtp_sink.port))
    monkeypatch.setenv("DONDOC_MAIL_FROM", "dondoc@bacgiang.example")
    monkeypatch.setenv("DONDOC_SIGNER_TITLE", "Chánh Văn phòng")
    monkeypatch.setenv("DONDOC_SIGNER_NAME", "Trần Thị Bình")
    reset_settings()
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    return engine


def _to(smtp_sink, address: str):  # type: ignore[no-untyped-def]
    [message] = [m for m in smtp_sink.messages() if parseaddr(str(m["To"]))[1] == address]
    return message


def test_from_level_2_the_agency_and_its_head_get_the_cong_van_and_it_is_kept(plan, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    daily_sweep(date(2020, 2, 15))  # I.1 is 15 days overdue: level 3
    files = []
    for address in (NN, NN_HEAD):
        [attached] = list(_to(smtp_sink, address).iter_attachments())
        assert attached.get_content_type() == DOCX_TYPE
        assert attached.get_filename() == "cong-van-don-doc-so-nong-nghiep-va-phat-trien-nong-thon-2020-02-15.docx"
        files.append(attached.get_content())
    assert files[0] == files[1]
    kept = get_settings().data_dir / "cong-van" / "bac-giang" / "snnptnt" / "2020-02-15-cap-3.docx"
    assert kept.read_bytes() == files[0]
    doc = Document(io.BytesIO(files[0]))
    text = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "nhiệm vụ I.1" in text and "Lãnh đạo UBND tỉnh (để báo cáo)" in text and "TRẦN THỊ BÌNH" not in text
    assert "Trần Thị Bình" in text and "CHÁNH VĂN PHÒNG" in text
    letter = _to(smtp_sink, NN).get_body(("plain",)).get_content()
    assert "Kèm theo thư này là công văn đôn đốc" in letter
    # the leadership's report carries none: the letter is addressed to the agency
    assert list(_to(smtp_sink, "lanhdao@bacgiang.example").iter_attachments()) == []


def test_a_level_1_letter_goes_without_a_cong_van(plan, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    daily_sweep(date(2020, 2, 1))  # I.1 one day overdue
    letter = _to(smtp_sink, NN)
    assert str(letter["Subject"]).startswith("Đôn đốc (cấp 1)") and list(letter.iter_attachments()) == []
    assert not (get_settings().data_dir / "cong-van").exists()


def test_an_agency_without_an_overdue_task_has_no_cong_van(plan) -> None:  # type: ignore[no-untyped-def]
    from models.core.tables import Agency

    with session_scope(plan) as s:
        nn = s.exec(sa.select(Agency.id).where(Agency.key == "snnptnt")).scalar_one()  # type: ignore[call-overload]
        assert cong_van_for(s, agency_id=nn, as_of=date(2020, 1, 25), settings=get_settings()) is None
        made = cong_van_for(s, agency_id=nn, as_of=date(2020, 3, 7), settings=get_settings())
    assert made is not None and made.level == 3 and {i.ref for i in made.items} >= {"I.1"}
    assert made.issuing_body == ("UBND TỈNH BẮC GIANG", "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI") and made.symbol == "VPĐP"
