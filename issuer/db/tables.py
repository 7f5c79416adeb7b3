"""The issuer's schema as SQLAlchemy Core tables (the Alembic baseline
``issuer/migrations/versions/i001_baseline.py`` creates the same, and
``i002_indices_22i`` adds two indices).

Times are integer Unix seconds (UTC) in ``*_at`` columns. Secrets
(pre-authorized codes, PINs, access tokens, API keys) are stored only as
SHA-256 hashes; KYC records are sealed, each under its own key in
``record_keys`` (:mod:`issuer.records`)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)

__all__ = [
    "access_token_uses",
    "access_tokens",
    "api_keys",
    "applicants",
    "audit_log",
    "credentials",
    "metadata",
    "nonces",
    "offers",
    "operator_sessions",
    "operator_signin_failures",
    "record_keys",
    "status_lists",
]

metadata = MetaData()

applicants = Table(
    "applicants",
    metadata,
    Column("id", Text, primary_key=True),
    Column("reference", Text, nullable=False),
    Column("record", LargeBinary),  # sealed KYC record; NULL once erased
    Column("record_sha256", Text, nullable=False),
    Column("state", Text, nullable=False),  # recorded, approved, issued, erased
    Column("created_at", BigInteger, nullable=False),
    Column("created_by", Text, nullable=False),
    # the erasure check scans only the records still held (i002_indices_22i)
    Index(
        "applicants_with_record",
        "id",
        sqlite_where=text("record IS NOT NULL"),
        postgresql_where=text("record IS NOT NULL"),
    ),
)

offers = Table(
    "offers",
    metadata,
    Column("id", Text, primary_key=True),
    Column("applicant_id", Text, ForeignKey("applicants.id"), nullable=False),
    Column("code_hash", Text, nullable=False, unique=True),
    Column("tx_code_hash", Text, nullable=False),
    Column("tx_code_attempts", Integer, nullable=False, server_default=text("0")),
    Column("batch_size", Integer, nullable=False),
    Column("offer_json", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_at", BigInteger),
    Column("burnt_at", BigInteger),
    Column("issuance_id", Text),
    Column("status", Integer, nullable=False, server_default=text("0")),
    Column("status_changed_at", BigInteger),
    Index("offers_applicant", "applicant_id"),
    Index("offers_issuance", "issuance_id", unique=True),
)

access_tokens = Table(
    "access_tokens",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("offer_id", Text, ForeignKey("offers.id"), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_at", BigInteger),
    Index("access_tokens_offer", "offer_id"),
)

access_token_uses = Table(
    "access_token_uses",
    metadata,
    Column("token_hash", Text, ForeignKey("access_tokens.token_hash"), primary_key=True),
    Column("configuration_id", Text, primary_key=True),
    Column("used_at", BigInteger, nullable=False),
)

nonces = Table(
    "nonces",
    metadata,
    Column("nonce", Text, primary_key=True),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_at", BigInteger),
)

status_lists = Table(
    "status_lists",
    metadata,
    Column("id", Text, primary_key=True),
    Column("bits", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # indices taken, kept by the allocation (i002_indices_22i)
    Column("used", Integer, nullable=False, server_default=text("0")),
)

credentials = Table(
    "credentials",
    metadata,
    Column("id", Text, primary_key=True),
    Column("offer_id", Text, ForeignKey("offers.id"), nullable=False),
    Column("applicant_id", Text, ForeignKey("applicants.id"), nullable=False),
    Column("status_list_id", Text, ForeignKey("status_lists.id"), nullable=False),
    Column("status_idx", Integer, nullable=False),
    Column("status", Integer, nullable=False, server_default=text("0")),  # 0 valid, 1, 2
    Column("holder_thumbprint", Text, nullable=False),
    Column("vct", Text, nullable=False),
    Column("issued_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("format", Text, nullable=False, server_default=text("'dc+sd-jwt'")),
    UniqueConstraint("status_list_id", "status_idx"),
    Index("credentials_applicant", "applicant_id"),
    Index("credentials_offer", "offer_id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_hash", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger),
)

record_keys = Table(
    "record_keys",
    metadata,
    Column(
        "applicant_id",
        Text,
        ForeignKey("applicants.id", deferrable=True, initially="DEFERRED"),
        primary_key=True,
    ),
    Column("key", LargeBinary, nullable=False),  # 32 random bytes; deleted at erasure
)

# the shared tables (kyc_wallet.database.audit, kyc_wallet.web.signin_throttle)
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", BigInteger, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("detail", Text, nullable=False),
)

operator_sessions = Table(
    "operator_sessions",
    metadata,
    Column("id_hash", Text, primary_key=True),
    Column("password_mac", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_seen_at", BigInteger, nullable=False),
)

operator_signin_failures = Table(
    "operator_signin_failures",
    metadata,
    Column("scope", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", BigInteger, nullable=False),
    Column("blocked_until", BigInteger, nullable=False),
)
