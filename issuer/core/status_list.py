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

from sqlalchemy import Connection

from ssi.status_list import StatusList, build_status_list_token

from ..db import credentials as repo
from .context import IssuerContext

__all__ = ["STATUS_BITS", "allocate_index", "allocate_indices", "render_status_list"]

STATUS_BITS = 2
_MAX_DRAWS = 64


def _open_list(conn: Connection, size: int, now: int, used: int) -> str:
    list_id = secrets.token_hex(8)
    repo.insert_status_list(conn, list_id, STATUS_BITS, size, now, used)
    return list_id


def allocate_index(conn: Connection, size: int, now: int) -> tuple[str, int]:
    """Reserve a random unused index (inside the caller's write transaction;
    the newest list is locked until it commits: ``repo.take_indices``)."""
    list_id, (idx,) = allocate_indices(conn, size, now, 1)
    return list_id, idx


def allocate_indices(conn: Connection, size: int, now: int, count: int) -> tuple[str, list[int]]:
    """Reserve ``count`` distinct random unused indices on one list, for a
    batch (inside the caller's write transaction, the list's row locked
    until it commits: ``repo.take_indices``). The list's occupancy is one
    ``UPDATE`` of its counter, the candidates' check one ``SELECT``: a batch
    costs two statements, not two per credential, and nothing grows with
    the list (issue 22)."""
    taken = repo.take_indices(conn, count)
    if taken is None:  # no list yet, or the newest is half full
        list_id, list_size = _open_list(conn, size, now, count), size
    else:
        list_id, list_size = taken
    chosen: set[int] = set()
    for _ in range(_MAX_DRAWS):
        candidates: set[int] = set()
        while len(candidates) < count - len(chosen):
            idx = secrets.randbelow(list_size)
            if idx not in chosen:
                candidates.add(idx)
        chosen |= candidates - repo.indices_taken(conn, list_id, sorted(candidates))
        if len(chosen) == count:
            # drawn in random order, not sorted: the index says nothing of the batch's order
            indices = list(chosen)
            secrets.SystemRandom().shuffle(indices)
            return list_id, indices
    # practically unreachable below half occupancy (probability 2**-64 per index)
    list_id = _open_list(conn, size, now, count)
    return list_id, secrets.SystemRandom().sample(range(size), count)


def render_status_list(ctx: IssuerContext, list_id: str, now: int) -> str | None:
    """The signed Status List Token of ``list_id`` (Token Status List §5, §8.1;
    ``None`` when there is no such list)."""
    with ctx.db.read() as conn:
        shape = repo.list_shape(conn, list_id)
        if shape is None:
            return None
        bits, size = shape
        status_list = StatusList(size, bits)
        for idx, status in repo.list_statuses(conn, list_id):
            status_list.set(idx, status)
    header: dict[str, object] = {"kid": ctx.keys.kid}
    if ctx.keys.x5c:
        header["x5c"] = list(ctx.keys.x5c)
    return build_status_list_token(
        status_list,
        ctx.status_list_uri(list_id),
        ctx.keys.key,
        now=now,
        exp=now + ctx.status_list_lifetime,
        ttl=ctx.status_list_ttl,
        issuer=ctx.issuer_url,
        header=header,
    )
