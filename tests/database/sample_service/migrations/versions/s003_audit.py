"""The shared tables every service has: the audit log and the operator sign-in."""

from alembic import op

from kyc_wallet.database.audit import create_audit_log
from kyc_wallet.web.signin_throttle import create_signin_tables

revision = "s003"
down_revision = "s002"


def upgrade() -> None:
    create_audit_log(op)
    create_signin_tables(op)
