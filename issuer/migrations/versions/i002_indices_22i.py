"""Issue 22: two indices for the erasure check every protocol request runs
(``issuer.db.applicants.finished_applicants``). Without them SQLite scanned
every applicant ever recorded and built a temporary index over every access
token on each request; now the scan covers only the applicants that still
have a record, and an offer's tokens are found by index."""

from alembic import op
from sqlalchemy import text

revision = "i002_indices_22i"
down_revision = "i001"


def upgrade() -> None:
    op.create_index("access_tokens_offer", "access_tokens", ["offer_id"])
    op.create_index(
        "applicants_with_record",
        "applicants",
        ["id"],
        sqlite_where=text("record IS NOT NULL"),
        postgresql_where=text("record IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("applicants_with_record", "applicants")
    op.drop_index("access_tokens_offer", "access_tokens")
