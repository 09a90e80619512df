"""Migration 0015 (issue 13): accounts made before accounts had a province get the database's
province when the database holds exactly one province's plans (a former province counted with
the province it joined), and none when it holds several. SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from flows.importing.flow import import_plan
from models.core.db import alembic_config, upgrade
from models.core.types import utcnow
from tests.conftest import PLANS


def _accounts_before_0015(engine: sa.Engine) -> None:
    """Back to 0014 (no province column) with two accounts, an office one and a national one."""
    command.downgrade(alembic_config(engine), "0014")
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM staff_user"))
        for email, role in (("vp@bacgiang.example", "office"), ("bo@nongthonmoi.example", "national")):
            conn.execute(sa.text("INSERT INTO staff_user (email, role, active, password_hash, created_at) "
                                 "VALUES (:e, :r, :a, 'scrypt$x', :t)"),
                         {"e": email, "r": role, "a": True, "t": utcnow()})


def _provinces(engine: sa.Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT email, province FROM staff_user")).tuples().all())


def test_accounts_of_a_one_province_database_get_its_province(engine: sa.Engine) -> None:
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    _accounts_before_0015(engine)
    upgrade(engine)
    # Bắc Giang's plans: the province that carries them today, Bắc Ninh; a national account none
    assert _provinces(engine) == {"vp@bacgiang.example": "bac-ninh", "bo@nongthonmoi.example": None}


def test_accounts_of_a_database_holding_two_provinces_are_left_for_an_administrator(engine: sa.Engine) -> None:
    import_plan(str(PLANS / "bac-giang-552-kh-bcd-2020.txt"))
    import_plan(str(PLANS / "ben-tre-1185-kh-ubnd-2019.txt"))
    _accounts_before_0015(engine)
    upgrade(engine)
    assert _provinces(engine) == {"vp@bacgiang.example": None, "bo@nongthonmoi.example": None}
