"""The sample service's baseline: one table of single-use codes."""

import sqlalchemy as sa
from alembic import op

revision = "s001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("used_at", sa.BigInteger, nullable=True),
    )
