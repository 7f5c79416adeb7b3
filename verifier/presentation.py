"""The verifier's check of one Authorization Response (OpenID4VP 1.0 §8.6), no HTTP.

Given the request it sent and the parsed response, in this order:

1. ``vp_token`` holds only requested ids, one string per ``dc+sd-jwt`` query
   (:func:`ssi.oid4vp.check_vp_token_ids`, §8.1);
2. each presentation is an SD-JWT VC by a trusted issuer, ``typ``
   ``dc+sd-jwt``, valid now, with a KB-JWT whose ``aud`` is the full client
   id, whose ``nonce`` is this request's and whose ``iat`` is fresh
   (:class:`~verifier.trust.TrustList` -> :func:`ssi.sdjwt_vc.verify_credential`;
   RFC 9901 §7.3, §14.9);
3. its status is VALID, failing closed (:class:`ssi.status_list.StatusChecker`);
4. the disclosed claims satisfy the DCQL query (:func:`ssi.dcql.check_response`,
   §8.6 step 2.2: never rely on the wallet) and the policy's rules, each credential
   of the response (a query with ``multiple`` may bring several);
5. with ``transaction_data``: the KB-JWT hashes it and names the address, and
   the EIP-4361 proof binds that address to this nonce, state, chain and
   registry (:func:`ssi.address_binding.verify_address_binding`).

A policy that asks for a W3C predicate credential is checked by
:mod:`verifier.presentation_w3c` instead.

Steps 1 and 2 are :func:`authenticate`: until they pass, nothing says that
the response comes from a holder who answered this transaction (anyone who
saw the QR code can post junk, or a presentation made for another nonce), so
the caller must not let such a failure consume the transaction (issue 19
item 7). The rest is :func:`evaluate`, whose failures are verdicts.
:func:`check_authorization_response` runs both.

Any failure raises the ``SSIError`` that says why; the caller records it as
the refusal reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

from ssi.address_binding import VerifiedWhitelisting, verify_address_binding
from ssi.dcql import CandidateCredential, check_response
from ssi.errors import InvalidRequest, InvalidTransactionData
from ssi.oid4vp import AuthorizationRequest, AuthorizationResponse, check_vp_token_ids
from ssi.sdjwt import KeyBinding
from ssi.sdjwt_vc import VerifiedCredential
from ssi.status_list import ReferencedIssuer, StatusReference
from ssi.w3c import VerifiedPresentation

from .policies import Policy
from .presentation_w3c import check_w3c_verified, verify_w3c_presentations
from .trust import TrustList

__all__ = [
    "Accepted",
    "AddressProofMissing",
    "Authenticated",
    "authenticate",
    "check_authorization_response",
    "evaluate",
]


class AssertValid(Protocol):
    """``StatusChecker.assert_valid``: raises unless the referenced status is VALID
    (the list signed with a key of ``issuer``, the Referenced Token's)."""

    def __call__(self, reference: StatusReference, *, issuer: ReferencedIssuer) -> None: ...


class AddressProofMissing(InvalidTransactionData):
    """The request carried ``erc3643_whitelist`` transaction data; the response has no proof."""


@dataclass(frozen=True)
class Accepted:
    """A response that passed every check."""

    credentials: tuple[VerifiedCredential, ...]
    claims: dict[str, Any]
    """The claims the policy reads (what the verdict stores)."""
    whitelisting: VerifiedWhitelisting | None
    kb_jwt_hashes: tuple[str, ...]
    """SHA-256 of each KB-JWT (of each whole VP for W3C): a presentation is accepted once."""
    w3c_presentations: tuple[VerifiedPresentation, ...] = ()
    """The W3C presentations, for a W3C policy (``credentials`` is then empty)."""
    status_issuer: ReferencedIssuer | None = None
    """Whose keys may sign the status list of :attr:`status` (the monitor re-checks it)."""
    other_statuses: tuple[tuple[StatusReference, ReferencedIssuer], ...] = ()
    """The status references of the other credentials, each with its issuer: the
    monitor re-checks them too (each was required VALID for this verdict)."""

    @property
    def status(self) -> StatusReference | None:
        """The status reference of the credential the policy was checked on."""
        if self.w3c_presentations:
            return self.w3c_presentations[0].credential.status
        status = self.credentials[0].status
        return None if status is None else StatusReference(status.idx, status.uri)


def _kb_jwt_hash(presentation: str) -> str:
    return hashlib.sha256(presentation.rsplit("~", 1)[-1].encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class Authenticated:
    """A response whose holder binding verified for this request: every SD-JWT VC by
    a trusted issuer with a KB-JWT over this nonce and client id (or every W3C VP
    signed by its subject over them)."""

    sd_jwt: dict[str, list[VerifiedCredential]]
    w3c: dict[str, list[VerifiedPresentation]]


def authenticate(
    request: AuthorizationRequest,
    response: AuthorizationResponse,
    *,
    policy: Policy,
    trust: TrustList,
    now: float,
    kb_max_age: float = 300.0,
) -> Authenticated:
    """Steps 1 and 2; raise on the first failure (which must not consume anything)."""
    if response.state != request.state:
        raise InvalidRequest("the response's state is not this transaction's")
    if policy.is_w3c:
        return Authenticated({}, verify_w3c_presentations(request, response, trust=trust, now=now))
    check_vp_token_ids(response.vp_token, request.dcql_query)
    binding = KeyBinding(audience=request.client_id, nonce=request.nonce, max_age=kb_max_age)
    verified: dict[str, list[VerifiedCredential]] = {}
    for query_id, presentations in response.vp_token.items():
        verified[query_id] = [trust.verify(p, now=now, key_binding=binding) for p in presentations]
    return Authenticated(verified, {})


def evaluate(
    request: AuthorizationRequest,
    response: AuthorizationResponse,
    authenticated: Authenticated,
    *,
    policy: Policy,
    trust: TrustList,
    assert_valid: AssertValid,
    now: float,
) -> Accepted:
    """Steps 3 to 5 on an authenticated response; raise on the first failure. The
    status lists must be signed by a key of each credential's own, already verified
    issuer (``trust.referenced_issuer``, issue 19 item 8)."""
    if policy.is_w3c:
        checked, retained, digests = check_w3c_verified(
            request,
            response,
            authenticated.w3c,
            policy=policy,
            trust=trust,
            assert_valid=assert_valid,
            now=now,
        )
        return Accepted((), retained, None, digests, checked)
    verified = authenticated.sd_jwt
    issuers: dict[int, ReferencedIssuer] = {}
    for credentials in verified.values():
        for credential in credentials:
            if credential.status is not None:
                issuer = issuers[id(credential)] = trust.referenced_issuer(credential, now)
                reference = StatusReference(credential.status.idx, credential.status.uri)
                assert_valid(reference, issuer=issuer)
    check_response(
        request.dcql_query,
        {
            query_id: [
                CandidateCredential(
                    "dc+sd-jwt", c.vct, c.claims, holder_binding=c.kb_claims is not None
                )
                for c in credentials
            ]
            for query_id, credentials in verified.items()
        },
    )
    all_credentials = tuple(c for cs in verified.values() for c in cs)
    for credential in all_credentials:  # every one, not only the first (issue 19 item 14)
        policy.check(credential.claims, now)
    main = all_credentials[0]
    whitelisting = None
    if request.transaction_data is not None:
        if response.address_proof is None:
            raise AddressProofMissing("the request asks for an address proof; none was sent")
        assert main.kb_claims is not None  # KeyBinding.required
        whitelisting = verify_address_binding(
            request, main.kb_claims, response.address_proof, now=now
        )
    hashes = tuple(_kb_jwt_hash(p) for ps in response.vp_token.values() for p in ps)
    retained = policy.retained_claims(main.claims)
    others = tuple(
        (StatusReference(c.status.idx, c.status.uri), issuers[id(c)])
        for c in all_credentials[1:]
        if c.status is not None
    )
    return Accepted(
        all_credentials,
        retained,
        whitelisting,
        hashes,
        status_issuer=issuers.get(id(main)),
        other_statuses=others,
    )


def check_authorization_response(
    request: AuthorizationRequest,
    response: AuthorizationResponse,
    *,
    policy: Policy,
    trust: TrustList,
    assert_valid: AssertValid,
    now: float,
    kb_max_age: float = 300.0,
) -> Accepted:
    """Every check of the module docstring; raise on the first failure."""
    authenticated = authenticate(
        request, response, policy=policy, trust=trust, now=now, kb_max_age=kb_max_age
    )
    return evaluate(
        request,
        response,
        authenticated,
        policy=policy,
        trust=trust,
        assert_valid=assert_valid,
        now=now,
    )
