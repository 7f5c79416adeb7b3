"""The verifier's check of a W3C presentation (OpenID4VP 1.0 Appendix B.1.3;
docs/specs/w3c-vc.md), for a policy that asks for a ``jwt_vc_json`` or
``ldp_vc`` predicate credential. In this order:

1. ``vp_token`` holds only requested ids (:func:`ssi.oid4vp.check_vp_token_ids`);
   this module refuses ``transaction_data``, which OpenID4VP 1.0 §8.4 defines
   only for SD-JWT VC (policies with an address proof never get here);
2. each presentation verifies with :func:`ssi.w3c.verify_presentation`: the
   VP is bound to this request's nonce and full client id, signed by the
   holder DID that is the credential's subject, and the credential is signed
   by a W3C issuer DID of the trust list, valid now; didkit checks proofs;
   both documents carry exactly the ``@context`` we publish (or one the trust
   list names by digest for that issuer) and every member expands under it,
   so the JSON the policy reads is the graph the proofs sign (issue 19 item 2);
3. its status is VALID, failing closed (the ``TokenStatusListEntry`` points
   into the issuer's ``statuslist+jwt``, checked by the same
   :class:`ssi.status_list.StatusChecker` as SD-JWT VCs);
4. the credential satisfies the DCQL query (:func:`ssi.dcql.check_response`)
   and the policy's rules, which read the ``credentialSubject`` members.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from ssi import w3c
from ssi.dcql import check_response
from ssi.encoding import json_dumps
from ssi.errors import InvalidTransactionData
from ssi.oid4vp import AuthorizationRequest, AuthorizationResponse, check_vp_token_ids

from .policies import Policy
from .trust import TrustList

__all__ = ["check_w3c_response", "check_w3c_verified", "policy_claims", "verify_w3c_presentations"]


def policy_claims(presentation: w3c.VerifiedPresentation) -> dict[str, Any]:
    """What the policy's rules and the verdict read: the subject's members, with
    ``iss`` (the issuer DID), ``vct`` (the credential type) and ``iat``.

    ``type`` is a set in the graph the proof signs, so the holder may reorder it:
    ``vct`` is the type besides ``VerifiableCredential`` (several: sorted, joined
    by spaces), never the one that happens to come last.
    """
    credential = presentation.credential
    types = credential.document.get("type", [])
    names = types if isinstance(types, list) else [types]
    others = sorted({t for t in names if t != w3c.spec.TYPE_VERIFIABLE_CREDENTIAL})
    return {
        **credential.claims,
        "iss": credential.issuer,
        "vct": " ".join(others) if others else None,
        "iat": int(credential.issued),
    }


def _digest(presentation: Any) -> str:
    text = presentation if isinstance(presentation, str) else json_dumps(presentation)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify_w3c_presentations(
    request: AuthorizationRequest,
    response: AuthorizationResponse,
    *,
    trust: TrustList,
    now: float,
) -> dict[str, list[w3c.VerifiedPresentation]]:
    """Steps 1 and 2: each VP bound to this request by its holder (the response is
    authenticated once this passes)."""
    if request.transaction_data is not None:
        raise InvalidTransactionData("transaction_data is defined only for SD-JWT VC presentations")
    query = request.dcql_query
    check_vp_token_ids(response.vp_token, query)
    verified: dict[str, list[w3c.VerifiedPresentation]] = {}
    for query_id, presentations in response.vp_token.items():
        fmt = query.credential(query_id).format
        verified[query_id] = [
            w3c.verify_presentation(
                p,
                fmt,
                nonce=request.nonce,
                client_id=request.client_id,
                trusted_issuers=trust.w3c_issuers,
                issuer_contexts=trust.w3c_contexts,
                now=now,
            )
            for p in presentations
        ]
    return verified


def check_w3c_verified(
    request: AuthorizationRequest,
    response: AuthorizationResponse,
    verified: dict[str, list[w3c.VerifiedPresentation]],
    *,
    policy: Policy,
    trust: TrustList,
    assert_valid: Callable[..., None],
    now: float,
) -> tuple[tuple[w3c.VerifiedPresentation, ...], dict[str, Any], tuple[str, ...]]:
    """Steps 3 and 4 on verified presentations: the verified presentations, the claims
    the verdict keeps, and their digests. A status list must be signed by a key of
    the credential's issuer (``trust.w3c_referenced_issuer``)."""
    for presentations in verified.values():
        for presentation in presentations:
            if presentation.credential.status is not None:
                issuer = trust.w3c_referenced_issuer(presentation.credential.issuer)
                assert_valid(presentation.credential.status, issuer=issuer)
    check_response(
        request.dcql_query,
        {query_id: [p.candidate() for p in ps] for query_id, ps in verified.items()},
    )
    all_presentations = tuple(p for ps in verified.values() for p in ps)
    claims = policy_claims(all_presentations[0])
    policy.check(claims, now)
    digests = tuple(_digest(p) for ps in response.vp_token.values() for p in ps)
    return all_presentations, policy.retained_claims(claims), digests


def check_w3c_response(
    request: AuthorizationRequest,
    response: AuthorizationResponse,
    *,
    policy: Policy,
    trust: TrustList,
    assert_valid: Callable[..., None],
    now: float,
) -> tuple[tuple[w3c.VerifiedPresentation, ...], dict[str, Any], tuple[str, ...]]:
    """Every step of the module docstring."""
    verified = verify_w3c_presentations(request, response, trust=trust, now=now)
    return check_w3c_verified(
        request,
        response,
        verified,
        policy=policy,
        trust=trust,
        assert_valid=assert_valid,
        now=now,
    )
