"""`dondoc demo` (what `make demo` runs): the whole main job on its own SQLite database."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import docx
import sqlalchemy as sa
from sqlmodel import Session, select

from flows.demo import run_demo
from models.core.tables import Notice


def test_the_demo_sweeps_the_half_year_mails_every_digest_and_writes_the_report(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    run_demo(root)
    mails = sorted((root / "mail").glob("*.eml"))
    engine = sa.create_engine(f"sqlite:///{root / 'dondoc.sqlite3'}")
    try:
        with Session(engine) as s:
            sent = s.exec(select(Notice.message_id).where(Notice.status == "sent")).all()
            pending = s.exec(select(Notice.id).where(Notice.status != "sent")).all()
    finally:
        engine.dispose()
    assert sent and not pending  # every notice planned over the half year went out
    parsed = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in mails]
    subjects = [m["Subject"] for m in parsed]
    kinds = {s.split(":", 1)[0] for s in subjects}
    assert {"Nhắc việc", "Đôn đốc (cấp 1)", "Đôn đốc (cấp 3)",
            "Báo cáo nhiệm vụ quá hạn (đôn đốc cấp 3)"} <= kinds
    assert any(s.startswith("Báo cáo 6 tháng đầu năm 2020") for s in subjects)  # the 16/06 report
    # every notice digest is one outbox message; the compiled reports come from the report outbox
    assert len(mails) == len(set(sent)) + sum(m["X-Dondoc-Kind"] == "report_ready" for m in parsed)
    report = root / "reports" / "bao-cao-bac-giang-552-kh-bcd-2020-H1.docx"
    text = "\n".join(p.text for p in docx.Document(str(report)).paragraphs)
    assert "552/KH-BCĐ" in text and "6 tháng đầu năm 2020" in text
    assert (root / "reports" / "bao-cao-bac-giang-552-kh-bcd-2020-H1.xlsx").stat().st_size > 0
