"""staff_user.province: the province whose rows an office account sees and changes (issue 13);
accounts made before it get the database's province when the database holds exactly one
(its plans and the provinces set up, a former province counted with the province it joined),
else none: an administrator then gives each one (dondoc user add EMAIL --province SLUG)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-12
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision: str = "0015"
down_revision: Union[str, None] = "0014"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _held(conn: sa.Connection) -> set[str]:
    """Today's province of every plan's province and every province set up (models/auth/scope.py)."""
    from tasks.agencies.provinces import UnknownProvinceError, province

    slugs = {r[0] for r in conn.execute(sa.text("SELECT DISTINCT province FROM plan"))}
    slugs |= {r[0] for r in conn.execute(sa.text("SELECT slug FROM province_setup"))}
    heads = set()
    for slug in slugs:
        try:
            heads.add(province(slug).successor or slug)
        except UnknownProvinceError:
            heads.add(slug)
    return heads


def upgrade() -> None:
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(sa.Column("province", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
    conn = op.get_bind()
    held = _held(conn)
    if len(held) == 1:
        conn.execute(sa.text("UPDATE staff_user SET province = :p WHERE province IS NULL AND role <> 'national'"),
                     {"p": next(iter(held))})


def downgrade() -> None:
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("province")
