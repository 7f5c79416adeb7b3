"""Issue 22: the rate limiter's counters in the issuer's database
(``kyc_wallet.web.rate_limit_store``), so every worker and replica shares
one count per client and endpoint."""

from alembic import op

from kyc_wallet.web.rate_limit_store import create_rate_limit_table, drop_rate_limit_table

revision = "i003_rate_limits_22r"
down_revision = "i002_indices_22i"


def upgrade() -> None:
    create_rate_limit_table(op)


def downgrade() -> None:
    drop_rate_limit_table(op)
