"""Issue 22: the rate limiter's counters in the verifier's database
(``kyc_wallet.web.rate_limit_store``), so every worker and replica shares
one count per client and endpoint."""

from alembic import op

from kyc_wallet.web.rate_limit_store import create_rate_limit_table, drop_rate_limit_table

revision = "v004_rate_limits_22r"
down_revision = "v003_nonces_22c"


def upgrade() -> None:
    create_rate_limit_table(op)


def downgrade() -> None:
    drop_rate_limit_table(op)
