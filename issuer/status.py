"""The issuer's Token Status Lists: random, unpredictable indices, and the
signed ``statuslist+jwt`` served at ``/statuslists/<id>``.

Token Status List §13.2 (unlinkability): indices are drawn at random from a
large list, never sequentially, so that the index says nothing about the
order or time of issuance and a verifier cannot count a provider's customers.
A list is considered full at half its size (random draws stay cheap), and a
new list is opened then. Two bits per status: VALID, INVALID (revoked),
SUSPENDED (§7.1).
"""

from __future__ import annotations

import secrets
import sqlite3

from ssi.jose import Key
from ssi.status_list import StatusList, build_status_list_token

__all__ = ["STATUS_BITS", "allocate_index", "render_status_list"]

STATUS_BITS = 2
_MAX_DRAWS = 64


def _open_list(conn: sqlite3.Connection, size: int, now: int) -> str:
    list_id = secrets.token_hex(8)
    conn.execute(
        "INSERT INTO status_lists (id, bits, size, created_at) VALUES (?, ?, ?, ?)",
        (list_id, STATUS_BITS, size, now),
    )
    return list_id


def allocate_index(conn: sqlite3.Connection, size: int, now: int) -> tuple[str, int]:
    """Reserve a random unused index (inside the caller's transaction)."""
    row = conn.execute(
        "SELECT s.id, s.size, (SELECT COUNT(*) FROM credentials c WHERE c.status_list_id = s.id)"
        " AS used FROM status_lists s ORDER BY s.created_at DESC, s.rowid DESC LIMIT 1"
    ).fetchone()
    if row is None or row[2] * 2 >= row[1]:
        list_id, list_size = _open_list(conn, size, now), size
    else:
        list_id, list_size = row[0], row[1]
    for _ in range(_MAX_DRAWS):
        idx = secrets.randbelow(list_size)
        taken = conn.execute(
            "SELECT 1 FROM credentials WHERE status_list_id = ? AND status_idx = ?",
            (list_id, idx),
        ).fetchone()
        if taken is None:
            return list_id, idx
    # practically unreachable below half occupancy (probability 2**-64)
    return _open_list(conn, size, now), secrets.randbelow(size)


def render_status_list(
    conn: sqlite3.Connection,
    list_id: str,
    uri: str,
    key: Key,
    *,
    now: int,
    ttl: int,
    lifetime: int,
    issuer: str,
    header: dict[str, object],
) -> str | None:
    """The signed Status List Token of ``list_id`` (``None`` when there is no such list)."""
    row = conn.execute("SELECT bits, size FROM status_lists WHERE id = ?", (list_id,)).fetchone()
    if row is None:
        return None
    status_list = StatusList(int(row[1]), int(row[0]))
    for idx, status in conn.execute(
        "SELECT status_idx, status FROM credentials WHERE status_list_id = ? AND status != 0",
        (list_id,),
    ):
        status_list.set(int(idx), int(status))
    return build_status_list_token(
        status_list, uri, key, now=now, exp=now + lifetime, ttl=ttl, issuer=issuer, header=header
    )
