"""A province's directory in the database: set up, brought up to date, read back (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.agencies.directory import sync_agencies
from models.agencies.setup import dated_directory, import_directory, set_up_province, set_up_provinces
from models.core.tables import Agency, AuditEvent, ProvinceSetup
from tasks.agencies.directory import AgencyDirectory


def _agency(session: Session, province: str, key: str) -> Agency:
    return session.exec(select(Agency).where(Agency.province == province, Agency.key == key)).one()


def test_a_second_setup_changes_nothing_and_keeps_what_the_office_wrote(engine: sa.Engine) -> None:
    with Session(engine) as session:
        first = set_up_province(session, slug="bac-ninh", actor="test")
        session.commit()
        assert first.created and len(first.agencies_created) == session.exec(
            select(sa.func.count()).select_from(Agency).where(Agency.province == "bac-ninh")).one()
        snnmt = _agency(session, "bac-ninh", "snnmt")
        snnmt.email, snnmt.aliases = "vanthu@snnmt.example", [*snnmt.aliases, "Sở NNMT Bắc Ninh"]
        session.commit()
        again = set_up_province(session, slug="bac-ninh", actor="test")
        session.commit()
        assert not again.changed and (again.agencies_created, again.agencies_updated) == ([], [])
        snnmt = _agency(session, "bac-ninh", "snnmt")
        assert snnmt.email == "vanthu@snnmt.example" and "Sở NNMT Bắc Ninh" in snnmt.aliases
        former = _agency(session, "bac-ninh", "snnptnt")
        assert (former.valid_to, former.successor_id, former.successor) == (
            date(2025, 2, 28), snnmt.id, "Sở Nông nghiệp và Môi trường")
        events = session.exec(select(AuditEvent.action).where(AuditEvent.entity == "province")).all()
        assert events == ["set up", "brought up to date"]
        assert set_up_provinces(session) == {"bac-ninh"}
        assert "bac-giang" in set_up_provinces(session, including_former=True)


def test_a_sample_province_set_up_keeps_its_rows_dated_and_the_yaml_no_longer_overwrites_them(
        engine: sa.Engine) -> None:
    sample = AgencyDirectory.load().province("lang-son")
    with Session(engine) as session:
        sync_agencies(session, entries=sample.agencies, actor="init")  # what `dondoc init` did before
        session.commit()
        summary = set_up_province(session, slug="lang-son", actor="test")
        session.commit()
        assert summary.created and "snnptnt" in summary.agencies_updated  # the sample's rows brought up to date
        district = _agency(session, "lang-son", "ubnd-huyen-cao-loc")
        assert (district.valid_to, district.successor_id) == (date(2025, 6, 30), None)
        snnptnt = _agency(session, "lang-son", "snnptnt")
        assert snnptnt.valid_to == date(2025, 2, 28)
        assert snnptnt.successor_id == _agency(session, "lang-son", "snnmt").id
        mttq = _agency(session, "lang-son", "mttq")
        aliases = list(mttq.aliases)
        assert "Ủy ban Mặt trận Tổ quốc Việt Nam" in aliases  # the sample's alias kept, the setup's added
        before = session.exec(select(sa.func.count()).select_from(AuditEvent)).one()
        assert sync_agencies(session, entries=sample.agencies, actor="init") == {"created": 0, "updated": 0}
        session.commit()
        assert session.exec(select(sa.func.count()).select_from(AuditEvent)).one() == before
        assert _agency(session, "lang-son", "snnptnt").successor == "Sở Nông nghiệp và Môi trường"


def test_the_directory_read_back_resolves_like_the_shipped_one(engine: sa.Engine) -> None:
    with Session(engine) as session:
        set_up_province(session, slug="bac-ninh", actor="test")
        session.commit()
        prov = dated_directory(session, slug="bac-ninh").on(date(2026, 1, 15))
        assert len(prov.resolve_cell("UBND các xã, phường").agencies) == 99
        assert prov.resolve_cell("Sở NN&PTNT").reasons
        marker = session.exec(select(ProvinceSetup)).one()
        assert (marker.name, marker.email_domain) == ("Bắc Ninh", "bacninh.example")
        assert marker.data_version.startswith("vietnam-provinces ")
        # an agency the office deactivated no longer resolves
        commune = _agency(session, "bac-ninh", "xa-luc-ngan")
        commune.active = False
        session.commit()
        assert dated_directory(session, slug="bac-ninh").on(date(2026, 1, 15)).resolve_name("UBND xã Lục Ngạn") is None
        count = session.exec(select(sa.func.count()).select_from(Agency).where(col(Agency.kind) == "commune")).one()
        assert count == 99
    combined = import_directory(engine, AgencyDirectory.load(), today=date(2026, 12, 10))
    assert "bac-ninh" in combined.provinces and combined.province("bac-ninh").as_of == date(2026, 12, 10)
