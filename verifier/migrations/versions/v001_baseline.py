"""The verifier's baseline: the schema of the previous release (verifier/legacy_schema.py)
made portable (no triggers: the repositories keep ``registered_at``/``removed_at``;
no ``rowid``: ``verifications.seq``; no ``forwarded_version``: one outbox), the
webhook deliveries as jobs, the chain outbox's tables (chain/outbox_schema.py),
the append-only audit log and the operator sign-in's tables."""

import sqlalchemy as sa
from alembic import op

from chain.outbox_schema import create_outbox_tables
from kyc_wallet.database.audit import create_audit_log
from kyc_wallet.web.signin_throttle import create_signin_tables

revision = "v001_baseline"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "verifications",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("seq", sa.BigInteger),
        sa.Column("policy", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("request_json", sa.Text, nullable=False),
        sa.Column("enc_kid", sa.Text, unique=True),
        sa.Column("enc_key_json", sa.Text),
        sa.Column("state", sa.Text, nullable=False, unique=True),
        sa.Column("nonce", sa.Text, nullable=False, unique=True),
        sa.Column("session_hash", sa.Text, nullable=False),
        sa.Column("response_code_hash", sa.Text),
        sa.Column("redirect_uri", sa.Text),
        sa.Column("status", sa.Text, nullable=False),  # pending, verified, refused
        sa.Column("reason_code", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("claims_json", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("request_fetched_at", sa.BigInteger),
        sa.Column("completed_at", sa.BigInteger),
        sa.Column("same_device_state", sa.Text, unique=True),
        sa.Column("verification_code", sa.Text),
        sa.Column("answered_flow", sa.Text),
        sa.Column("last_wallet_error", sa.Text),
        sa.Column("wallet_error_at", sa.BigInteger),
    )

    op.create_table(
        "seen_presentations",
        sa.Column("kb_jwt_sha256", sa.Text, primary_key=True),
        sa.Column("verification_id", sa.Text, sa.ForeignKey("verifications.id"), nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
    )

    op.create_table(
        "intents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chain", sa.Text, nullable=False),
        sa.Column("registry", sa.Text, nullable=False),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("country", sa.Text),  # ISO 3166-1 alpha-2 as disclosed
        sa.Column("verification_id", sa.Text, sa.ForeignKey("verifications.id"), nullable=False),
        sa.Column("record_sha256", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.Column("desired", sa.Text, nullable=False, server_default="registered"),
        sa.Column("status_uri", sa.Text),
        sa.Column("status_idx", sa.BigInteger),
        sa.Column("removal_reason", sa.Text),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("credential_exp", sa.BigInteger),
        sa.Column("registered_at", sa.BigInteger),
        sa.Column("removed_at", sa.BigInteger),
        sa.Column("status_issuer_json", sa.Text),
        sa.Column("other_statuses_json", sa.Text),
        sa.UniqueConstraint("chain", "registry", "address"),
        sqlite_autoincrement=True,
    )

    op.create_table(
        "intent_failures",
        sa.Column("intent_id", sa.Integer, sa.ForeignKey("intents.id"), primary_key=True),
        sa.Column("stage", sa.Text, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("first_at", sa.BigInteger, nullable=False),
        sa.Column("last_at", sa.BigInteger, nullable=False),
        sa.Column("retry_at", sa.BigInteger),
    )

    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("verification_id", sa.Text, sa.ForeignKey("verifications.id"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("delivered_at", sa.BigInteger),
        sa.Column("last_error", sa.Text),
        sa.Column("api_key", sa.Text),
        sa.Column("state", sa.Text, nullable=False, server_default="pending"),
        sa.Column("next_attempt_at", sa.BigInteger),
        sa.Column("claimed_by", sa.Text),
        sa.Column("claimed_at", sa.BigInteger),
        sa.Column("created_at", sa.BigInteger),
        sqlite_autoincrement=True,
    )

    op.create_index("verifications_status", "verifications", ["status", "expires_at"])
    op.create_index("verifications_created_by", "verifications", ["created_by", "created_at"])
    op.create_index("intents_address", "intents", ["address"])
    create_outbox_tables(op)
    create_audit_log(op)
    create_signin_tables(op)
