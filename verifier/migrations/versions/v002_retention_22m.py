"""Retention (issue 22): when a verification's details (its request, the
verified claims, the wallet's error report) were deleted after the retention
period (``RETENTION_DAYS``); NULL while they are kept. The verdict, the address,
the whitelisting intent and the audit log stay."""

import sqlalchemy as sa
from alembic import op

revision = "v002_retention_22m"
down_revision = "v001_baseline"


def upgrade() -> None:
    op.add_column("verifications", sa.Column("details_deleted_at", sa.BigInteger))


def downgrade() -> None:
    with op.batch_alter_table("verifications") as batch:
        batch.drop_column("details_deleted_at")
