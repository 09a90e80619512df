"""agency dates: valid_from, valid_to and successor_id on agency; province_setup for the
provinces set up with `dondoc province add` (their directory lives in the agency table)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
import models.core.types


revision: str = "0013"
down_revision: Union[str, None] = "0012"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("province_setup",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column("leadership_name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column("leadership_email", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column("email_domain", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column("data_version", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column("created_at", models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", models.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("valid_to", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("successor_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_agency_successor_id_agency", "agency", ["successor_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("agency", schema=None) as batch_op:
        batch_op.drop_constraint("fk_agency_successor_id_agency", type_="foreignkey")
        batch_op.drop_column("successor_id")
        batch_op.drop_column("valid_to")
        batch_op.drop_column("valid_from")
    op.drop_table("province_setup")
