"""Transaction data (OpenID4VP 1.0 §5.1 ``transaction_data``, §8.4, Appendix B.3.3).

Each request entry is a base64url-encoded JSON object with ``type``,
``credential_ids`` and type-specific members. The wallet MUST refuse the whole
request if one entry has a type it does not know or does not conform to it
(§5.1, §8.5 ``invalid_transaction_data``). In the SD-JWT VC profile (B.3.3.1)
the KB-JWT carries ``transaction_data_hashes``: the SHA-256 of each string
*exactly as received* (no base64url decoding first), base64url-encoded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..encoding import b64url_decode, b64url_encode, json_dumps, json_loads_object
from ..errors import ClaimMismatch, InvalidTransactionData, MalformedInput
from . import spec

__all__ = [
    "TransactionDataHashMismatch",
    "TransactionData",
    "TypeValidator",
    "encode_transaction_data",
    "decode_transaction_data",
    "transaction_data_hash",
    "check_transaction_data",
    "kb_jwt_transaction_claims",
    "check_transaction_data_hashes",
]

MAX_TRANSACTION_DATA_BYTES = 16_000


class TransactionDataHashMismatch(ClaimMismatch):
    """The KB-JWT does not hash exactly the request's ``transaction_data``."""


@dataclass(frozen=True, slots=True)
class TransactionData:
    """One decoded entry; ``raw`` is the string as received, which is what gets hashed."""

    raw: str
    type: str
    credential_ids: tuple[str, ...]
    hashes_alg: tuple[str, ...] | None
    data: dict[str, Any]


TypeValidator = Callable[[TransactionData], object]
"""Checks the type-specific members of an entry; raises :class:`InvalidTransactionData`."""


def encode_transaction_data(data: Mapping[str, Any]) -> str:
    """base64url(JSON) of one entry, after the generic shape checks."""
    raw = b64url_encode(json_dumps(dict(data)).encode("utf-8"))
    decode_transaction_data(raw)
    return raw


def decode_transaction_data(raw: object) -> TransactionData:
    """Decode one entry; check ``type``, ``credential_ids``, ``transaction_data_hashes_alg``."""
    if not isinstance(raw, str):
        raise InvalidTransactionData("each transaction_data entry must be a string")
    if len(raw) > MAX_TRANSACTION_DATA_BYTES:
        raise InvalidTransactionData("a transaction_data entry is too large")
    try:
        data = json_loads_object(b64url_decode(raw, "transaction_data"), "transaction_data")
    except MalformedInput as exc:
        raise InvalidTransactionData(str(exc)) from exc
    kind = data.get("type")
    if not isinstance(kind, str) or not kind:
        raise InvalidTransactionData("transaction_data 'type' must be a non-empty string")
    ids = data.get("credential_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise InvalidTransactionData("transaction_data 'credential_ids' must be non-empty strings")
    algs = data.get(spec.TRANSACTION_DATA_HASHES_ALG)
    if algs is not None and (
        not isinstance(algs, list) or not algs or not all(isinstance(a, str) for a in algs)
    ):
        raise InvalidTransactionData("'transaction_data_hashes_alg' must be non-empty strings")
    return TransactionData(raw, kind, tuple(ids), tuple(algs) if algs else None, data)


def transaction_data_hash(raw: str) -> str:
    """B.3.3.1: base64url(SHA-256(the ASCII of the string exactly as received))."""
    try:
        octets = raw.encode("ascii")
    except UnicodeEncodeError as exc:
        raise InvalidTransactionData("a transaction_data entry must be ASCII") from exc
    return b64url_encode(hashlib.sha256(octets).digest())


def check_transaction_data(
    raws: Sequence[str],
    validators: Mapping[str, TypeValidator],
    holder_binding_by_query: Mapping[str, bool],
) -> list[TransactionData]:
    """The wallet's checks (§5.1, §8.5, B.3.3): refuse the request on any failure.

    ``validators`` maps each supported ``type`` to its checker;
    ``holder_binding_by_query`` maps each DCQL credential query id to whether it
    requires cryptographic holder binding (transaction data needs it, B.3.3).
    """
    entries = []
    for raw in raws:
        entry = decode_transaction_data(raw)
        validator = validators.get(entry.type)
        if validator is None:
            raise InvalidTransactionData(f"unsupported transaction data type {entry.type!r}")
        for query_id in entry.credential_ids:
            if query_id not in holder_binding_by_query:
                raise InvalidTransactionData(f"credential_ids names unknown query {query_id!r}")
            if not holder_binding_by_query[query_id]:
                raise InvalidTransactionData(
                    f"credential query {query_id!r} does not require holder binding (B.3.3)"
                )
        if entry.hashes_alg is not None and spec.HASH_ALG_SHA256 not in entry.hashes_alg:
            raise InvalidTransactionData("only sha-256 transaction data hashes are supported")
        validator(entry)
        entries.append(entry)
    return entries


def kb_jwt_transaction_claims(raws: Sequence[str]) -> dict[str, Any]:
    """The KB-JWT members of B.3.3.1 for these request entries."""
    return {
        spec.TRANSACTION_DATA_HASHES: [transaction_data_hash(raw) for raw in raws],
        spec.TRANSACTION_DATA_HASHES_ALG: spec.HASH_ALG_SHA256,
    }


def check_transaction_data_hashes(kb_claims: Mapping[str, Any], raws: Sequence[str]) -> None:
    """The verifier's check: the KB-JWT hashes exactly the request's entries, in order."""
    hashes = kb_claims.get(spec.TRANSACTION_DATA_HASHES)
    if not isinstance(hashes, list):
        raise TransactionDataHashMismatch("the KB-JWT has no 'transaction_data_hashes'")
    alg = kb_claims.get(spec.TRANSACTION_DATA_HASHES_ALG, spec.HASH_ALG_SHA256)
    if alg != spec.HASH_ALG_SHA256:
        raise TransactionDataHashMismatch(f"transaction_data_hashes_alg {alg!r} is not sha-256")
    if hashes != [transaction_data_hash(raw) for raw in raws]:
        raise TransactionDataHashMismatch(
            "transaction_data_hashes do not match the request's transaction_data"
        )
