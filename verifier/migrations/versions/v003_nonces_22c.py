"""Issue 22 (whitelisting throughput): the outbox's nonce counter per chain and
sender key (``outbox_nonces``), and per transaction its receipt's block hash
(reorg repair) and its EIP-1559 fees (replacement of a stuck transaction)."""

from alembic import op

from chain.outbox_schema import add_nonces_and_fees, drop_nonces_and_fees

revision = "v003_nonces_22c"
down_revision = "v002_retention_22m"


def upgrade() -> None:
    add_nonces_and_fees(op)


def downgrade() -> None:
    drop_nonces_and_fees(op)
