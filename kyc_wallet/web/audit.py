"""The audit log lives in :mod:`kyc_wallet.database.audit` (the apps' cores
append to it without the web layer); re-exported here for the views."""

from kyc_wallet.database.audit import AUDIT_LOG_SQL, audit

__all__ = ["AUDIT_LOG_SQL", "audit"]
