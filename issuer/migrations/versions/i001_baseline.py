"""The issuer's baseline: the schema of the release before Alembic (the
sqlite-migrate migrations of ``issuer.legacy_schema`` and the operator
sign-in's), made portable to PostgreSQL. A data folder of that release is
adopted onto this revision (``issuer.db.adoption``), not created by it."""

import sqlalchemy as sa
from alembic import op

from kyc_wallet.database.audit import create_audit_log
from kyc_wallet.web.signin_throttle import create_signin_tables

revision = "i001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "applicants",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("record", sa.LargeBinary),
        sa.Column("record_sha256", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("applicant_id", sa.Text, sa.ForeignKey("applicants.id"), nullable=False),
        sa.Column("code_hash", sa.Text, nullable=False, unique=True),
        sa.Column("tx_code_hash", sa.Text, nullable=False),
        sa.Column("tx_code_attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("batch_size", sa.Integer, nullable=False),
        sa.Column("offer_json", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("used_at", sa.BigInteger),
        sa.Column("burnt_at", sa.BigInteger),
        sa.Column("issuance_id", sa.Text),
        sa.Column("status", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("status_changed_at", sa.BigInteger),
    )
    op.create_index("offers_applicant", "offers", ["applicant_id"])
    op.create_index("offers_issuance", "offers", ["issuance_id"], unique=True)
    op.create_table(
        "access_tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("offer_id", sa.Text, sa.ForeignKey("offers.id"), nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("used_at", sa.BigInteger),
    )
    op.create_table(
        "access_token_uses",
        sa.Column(
            "token_hash", sa.Text, sa.ForeignKey("access_tokens.token_hash"), primary_key=True
        ),
        sa.Column("configuration_id", sa.Text, primary_key=True),
        sa.Column("used_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "nonces",
        sa.Column("nonce", sa.Text, primary_key=True),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("used_at", sa.BigInteger),
    )
    op.create_table(
        "status_lists",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("bits", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("offer_id", sa.Text, sa.ForeignKey("offers.id"), nullable=False),
        sa.Column("applicant_id", sa.Text, sa.ForeignKey("applicants.id"), nullable=False),
        sa.Column("status_list_id", sa.Text, sa.ForeignKey("status_lists.id"), nullable=False),
        sa.Column("status_idx", sa.Integer, nullable=False),
        sa.Column("status", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("holder_thumbprint", sa.Text, nullable=False),
        sa.Column("vct", sa.Text, nullable=False),
        sa.Column("issued_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("format", sa.Text, nullable=False, server_default=sa.text("'dc+sd-jwt'")),
        sa.UniqueConstraint("status_list_id", "status_idx"),
    )
    op.create_index("credentials_applicant", "credentials", ["applicant_id"])
    op.create_index("credentials_offer", "credentials", ["offer_id"])
    op.create_table(
        "api_keys",
        sa.Column("key_hash", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("revoked_at", sa.BigInteger),
    )
    op.create_table(
        "record_keys",
        sa.Column(
            "applicant_id",
            sa.Text,
            sa.ForeignKey("applicants.id", deferrable=True, initially="DEFERRED"),
            primary_key=True,
        ),
        sa.Column("key", sa.LargeBinary, nullable=False),
    )
    create_audit_log(op)
    create_signin_tables(op)
