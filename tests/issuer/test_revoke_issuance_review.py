"""Red-team review of issue 19 item 5: a data folder of the version before.

That version revoked (and suspended) one copy of an issuance: exactly the
fault of item 5, the investor re-whitelisted at once with a sibling copy.
The migration to issuances (``m003_issuances_ldp``) revoked an issuance only
when *every* copy was revoked, so each revocation made before the upgrade
stayed as ineffective as it was. A copy revoked or suspended by the earlier
version now revokes or suspends its whole issuance (fail closed: an operator
who meant one lost device re-issues), with a line in the audit log; a copy
acted on alone after the upgrade (the "advanced" action) stays alone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
from pathlib import Path

import sqlite_utils
from sqlalchemy import text

from issuer.db.setup import migrate, open_database
from issuer.issuances import load_issuance
from issuer.legacy_schema import migrations as issuer_migrations
from tests.support import APPLICANT

ESCALATION = "m006_old_copy_actions_revissuer"
_INDEX = itertools.count()


def _old_issuance(conn: sqlite3.Connection, name: str, statuses: list[int], at: int) -> str:
    """An offer and its copies as the earlier version wrote them; each copy with
    a status other than valid got there by ``credential.<action>`` at ``at``."""
    conn.execute(
        "INSERT OR IGNORE INTO applicants (id, reference, record, record_sha256, state,"
        " created_at, created_by) VALUES ('app', '', ?, '', 'issued', 0, 'test')",
        (json.dumps(APPLICANT, sort_keys=True),),
    )
    conn.execute(
        "INSERT OR IGNORE INTO status_lists (id, bits, size, created_at) VALUES ('l', 2, 1024, 0)"
    )
    conn.execute(
        "INSERT INTO offers (id, applicant_id, code_hash, tx_code_hash, batch_size, offer_json,"
        " created_at, expires_at, used_at) VALUES (?, 'app', ?, '', 3, '{}', 0, 1, 0)",
        (name, f"code-{name}"),
    )
    action = {1: "revoke", 2: "suspend"}
    for n, status in enumerate(statuses):
        copy = f"{name}-{n}"
        conn.execute(
            "INSERT INTO credentials (id, offer_id, applicant_id, status_list_id, status_idx,"
            " status, holder_thumbprint, vct, issued_at, expires_at, sha256)"
            " VALUES (?, ?, 'app', 'l', ?, ?, '', 'vct', 0, 1, '')",
            (copy, name, next(_INDEX), status),
        )
        if status:
            conn.execute(
                "INSERT INTO audit_log (at, actor, action, subject, detail)"
                " VALUES (?, 'operator', ?, ?, '{}')",
                (at, f"credential.{action[status]}", copy),
            )
    return name


def _rows(store_path: Path, sql: str) -> list[dict[str, object]]:
    """Rows of ``sql`` once the folder is adopted (``kyc-wallet issuer migrate``)."""
    db = open_database(store_path.parent, None)
    try:
        migrate(db)
        with db.read() as conn:
            return [dict(row) for row in conn.execute(text(sql)).mappings()]
    finally:
        db.dispose()


def _issuance_of(store_path: Path, offer_id: str) -> tuple[str, list[str]]:
    db = open_database(store_path.parent, None)
    try:
        migrate(db)
        with db.read() as conn:
            issuance_id = conn.execute(
                text("SELECT issuance_id FROM offers WHERE id = :id"), {"id": offer_id}
            ).scalar()
            assert issuance_id is not None
            issuance = load_issuance(conn, issuance_id, 10)
    finally:
        db.dispose()
    names = {0: "valid", 1: "revoked", 2: "suspended"}
    return names[issuance.status], [names[c.status] for c in issuance.copies]


def test_revoke_issuance_upgrade_extends_a_copy_revoked_before_to_its_siblings(
    tmp_path: Path,
) -> None:
    path = tmp_path / "issuer.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    issuer_migrations.apply(sqlite_utils.Database(conn), stop_before="m003_issuances_ldp")
    earlier = int(dt.datetime.now(dt.UTC).timestamp()) - 86400
    _old_issuance(conn, "revoked-one", [0, 1, 0], earlier)
    _old_issuance(conn, "suspended-one", [2, 0, 0], earlier)
    _old_issuance(conn, "both", [2, 1, 0], earlier)
    _old_issuance(conn, "untouched", [0, 0, 0], earlier)
    conn.execute(
        "INSERT INTO access_tokens (token_hash, offer_id, expires_at)"
        " VALUES ('revoked-one', 'revoked-one', ?)",
        (earlier + 10 * 86400,),
    )
    conn.close()
    assert _issuance_of(path, "revoked-one") == ("revoked", ["revoked"] * 3)
    assert _issuance_of(path, "suspended-one") == ("suspended", ["suspended"] * 3)
    assert _issuance_of(path, "both") == ("revoked", ["revoked"] * 3)
    assert _issuance_of(path, "untouched") == ("valid", ["valid"] * 3)
    audit = _rows(path, "SELECT actor, action FROM audit_log WHERE action LIKE 'issuance.%'")
    assert sorted((r["actor"], r["action"]) for r in audit) == [
        ("migration", "issuance.revoke"),
        ("migration", "issuance.revoke"),
        ("migration", "issuance.suspend"),
    ]
    # the access token of a revoked issuance is closed: no W3C sibling is taken later
    (token,) = _rows(path, "SELECT used_at FROM access_tokens WHERE token_hash = 'revoked-one'")
    assert token["used_at"] is not None


def test_revoke_issuance_upgrade_leaves_a_copy_acted_on_alone_after_it(tmp_path: Path) -> None:
    """The advanced per-copy action of this version is not taken for an old one."""
    path = tmp_path / "issuer.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    issuer_migrations.apply(sqlite_utils.Database(conn), stop_before=ESCALATION)
    later = int(dt.datetime.now(dt.UTC).timestamp()) + 60
    _old_issuance(conn, "advanced", [1, 0, 0], later)
    conn.execute("UPDATE offers SET issuance_id = 'i-advanced' WHERE id = 'advanced'")
    conn.close()
    assert _issuance_of(path, "advanced") == ("valid", ["revoked", "valid", "valid"])
