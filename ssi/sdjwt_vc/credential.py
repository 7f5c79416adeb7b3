"""SD-JWT VC claims (§2.2.2) and issuance on top of :mod:`ssi.sdjwt`.

:func:`issue_credential` signs a ``dc+sd-jwt`` credential with the registered
claims in plain text; :func:`check_credential_claims` is the Verifier's (and
the Holder's) check of the processed payload: ``vct`` is a string,
``iss`` a string, ``aka_vcts`` well formed, ``status`` a Token Status List
reference, and none of the registered claims of §2.2.2.3 (nor a sub-claim)
selectively disclosable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..encoding import json_dumps
from ..errors import MalformedInput
from ..jose import Key
from ..sdjwt import SD, IssuedSDJWT, RandomSource, issue
from ..sdjwt.spec import ARRAY_DIGEST_KEY, SD_KEY
from ..status_list.token import StatusReference
from .errors import DisclosedRegisteredClaim, NotAnSDJWTVC, UnboundedCredential
from .spec import NON_DISCLOSABLE_CLAIMS, SD_JWT_VC_TYP

__all__ = ["check_credential_claims", "issue_credential", "parse_status"]


def parse_status(value: Any) -> StatusReference:
    """Read a ``status`` claim (Token Status List §6.2).

    Only the ``status_list`` mechanism is understood (fail closed).
    """
    if not isinstance(value, dict) or not isinstance(value.get("status_list"), dict):
        raise NotAnSDJWTVC("'status' must be an object with a 'status_list' reference")
    ref = value["status_list"]
    idx, uri = ref.get("idx"), ref.get("uri")
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
        raise NotAnSDJWTVC("'status.status_list.idx' must be a non-negative integer")
    if not isinstance(uri, str) or not uri:
        raise NotAnSDJWTVC("'status.status_list.uri' must be a string")
    return StatusReference(idx, uri)


def _has_digests(node: Any) -> bool:
    if isinstance(node, dict):
        return SD_KEY in node or ARRAY_DIGEST_KEY in node or any(map(_has_digests, node.values()))
    if isinstance(node, list):
        return any(map(_has_digests, node))
    return False


def check_credential_claims(
    issuer_payload: dict[str, Any],
    claims: dict[str, Any],
    *,
    require_exp_or_status: bool = True,
) -> StatusReference | None:
    """SD-JWT VC §2.2.2 on a processed payload; returns the status reference if any.

    ``issuer_payload`` is the payload as signed (with digests): a registered
    claim found in ``claims`` but not there came from a disclosure.
    """
    for name in NON_DISCLOSABLE_CLAIMS:
        if name in claims and name not in issuer_payload:
            raise DisclosedRegisteredClaim(f"{name!r} must not be selectively disclosed")
        if name in issuer_payload and _has_digests(issuer_payload[name]):
            raise DisclosedRegisteredClaim(f"sub-claims of {name!r} must not be disclosable")
    vct = claims.get("vct")
    if not isinstance(vct, str) or not vct:
        raise NotAnSDJWTVC("'vct' is required and must be a non-empty string")
    if "iss" in claims and not isinstance(claims["iss"], str):
        raise NotAnSDJWTVC("'iss' must be a string")
    if "aka_vcts" in claims:
        aka = claims["aka_vcts"]
        if not isinstance(aka, list) or not aka or not all(isinstance(v, str) for v in aka):
            raise NotAnSDJWTVC("'aka_vcts' must be a non-empty array of strings")
        if vct in aka:
            raise NotAnSDJWTVC("'aka_vcts' must not contain the 'vct' value")
    status = parse_status(claims["status"]) if "status" in claims else None
    if require_exp_or_status and status is None and "exp" not in claims:
        raise UnboundedCredential("a credential without 'exp' and without 'status' is refused")
    return status


def _names(claims: dict[Any, Any]) -> set[str]:
    return {k.value if isinstance(k, SD) else k for k in claims}


def _marked(node: Any) -> bool:
    if isinstance(node, SD):
        return True
    if isinstance(node, dict):
        return any(isinstance(k, SD) or _marked(v) for k, v in node.items())
    if isinstance(node, list | tuple):
        return any(map(_marked, node))
    return False


def issue_credential(
    claims: dict[Any, Any],
    issuer_key: Key,
    *,
    vct: str,
    iss: str | None,
    iat: int,
    exp: int | None = None,
    nbf: int | None = None,
    status: StatusReference | None = None,
    holder_key: Key | None = None,
    header: dict[str, Any] | None = None,
    extra_registered: dict[str, Any] | None = None,
    decoys: tuple[int, int] | None = None,
    random: RandomSource | None = None,
    serialize: Callable[[Any], str] = json_dumps,
    require_exp_or_status: bool = True,
) -> IssuedSDJWT:
    """Sign an SD-JWT VC (``typ: dc+sd-jwt``); ``claims`` carry :class:`SD` marks.

    The registered claims (``iss``, ``iat``, ``nbf``, ``exp``, ``vct``,
    ``status``, ``cnf`` from ``holder_key``; ``vct#integrity`` / ``aka_vcts``
    in ``extra_registered``) are placed in plain text. ``header`` adds e.g.
    ``kid`` or ``x5c``.
    """
    if not isinstance(vct, str) or not vct:
        raise MalformedInput("'vct' must be a non-empty string")
    if require_exp_or_status and exp is None and status is None:
        raise UnboundedCredential("a credential needs 'exp' or 'status'")
    registered: dict[str, Any] = {}
    if iss is not None:
        registered["iss"] = iss
    registered["iat"] = iat
    for name, value in (("nbf", nbf), ("exp", exp)):
        if value is not None:
            registered[name] = value
    registered["vct"] = vct
    registered.update(extra_registered or {})
    if status is not None:
        registered["status"] = status.to_dict()
    clash = _names(claims) & (set(registered) | NON_DISCLOSABLE_CLAIMS)
    if clash:
        raise DisclosedRegisteredClaim(f"registered claims {sorted(clash)} are set by parameters")
    if any(_marked(v) for v in registered.values()):
        raise DisclosedRegisteredClaim("registered claims must not be selectively disclosable")
    return issue(
        {**registered, **claims},
        issuer_key,
        typ=SD_JWT_VC_TYP,
        cnf={"jwk": holder_key.public_jwk()} if holder_key is not None else None,
        header=header,
        decoys=decoys,
        random=random,
        serialize=serialize,
    )
