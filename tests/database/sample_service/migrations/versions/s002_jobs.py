"""A job table, to test claims; slow enough that racing migrators overlap."""

import time

import sqlalchemy as sa
from alembic import op

revision = "s002"
down_revision = "s001"


def upgrade() -> None:
    time.sleep(0.2)
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("taken_by", sa.Text, nullable=True),
    )
