"""The verifier's tables (SQLAlchemy Core): one definition for both engines.

- ``verifications``: one row per OpenID4VP 1.0 transaction: the request it
  sent, its single-use ``nonce`` and ``state`` (and the same-device flow's
  ``state``), the ephemeral response-encryption key (erased at the verdict),
  the hashes of the browser session secret and of the ``response_code`` (§14
  session binding: only hashes are stored), and the verdict. ``seq`` orders
  the rows as they were created (the old ``rowid``). After ``RETENTION_DAYS``
  the details (request, claims, the wallet's error) are deleted and
  ``details_deleted_at`` says when (:mod:`verifier.core.retention`).
- ``seen_presentations``: the SHA-256 of each accepted KB-JWT (a presentation
  is accepted once, in any transaction).
- ``intents``: the verifier's record of each whitelisting decision (one per
  chain, registry and address): the verification behind it, the status
  references the monitor re-checks, when it was registered and removed. What
  the chain worker sends lives beside it in ``outbox_intents``
  (:mod:`chain.outbox_schema`), committed in the same transaction.
- ``intent_failures``: what failed for one intent, per stage (verifier.failures).
- ``webhooks``: the deliveries to the platforms' webhooks, as jobs (``state``,
  ``attempts``, ``next_attempt_at``, ``claimed_by``/``claimed_at``, ``last_error``).
- ``audit_log``: append-only (:mod:`kyc_wallet.database.audit` creates it and
  writes to it; this definition is for reading).
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "audit_log",
    "intent_failures",
    "intents",
    "metadata",
    "seen_presentations",
    "verifications",
    "webhooks",
]

metadata = sa.MetaData()

verifications = sa.Table(
    "verifications",
    metadata,
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
    sa.Column("details_deleted_at", sa.BigInteger),  # retention (issue 22)
)

seen_presentations = sa.Table(
    "seen_presentations",
    metadata,
    sa.Column("kb_jwt_sha256", sa.Text, primary_key=True),
    sa.Column("verification_id", sa.Text, sa.ForeignKey("verifications.id"), nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),
)

intents = sa.Table(
    "intents",
    metadata,
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

intent_failures = sa.Table(
    "intent_failures",
    metadata,
    sa.Column("intent_id", sa.Integer, sa.ForeignKey("intents.id"), primary_key=True),
    sa.Column("stage", sa.Text, primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("first_at", sa.BigInteger, nullable=False),
    sa.Column("last_at", sa.BigInteger, nullable=False),
    sa.Column("retry_at", sa.BigInteger),
)

webhooks = sa.Table(
    "webhooks",
    metadata,
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

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("at", sa.BigInteger, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)
