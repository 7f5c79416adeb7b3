"""Presenting: the wallet side of OpenID4VP 1.0 with DCQL.

``prepare`` reads a request link (``openid4vp://?client_id=…&request_uri=…``,
or the wallet's own ``/authorize`` route with the same query), fetches the
Request Object by ``request_uri`` through the guarded fetcher (GET, or POST
with a ``wallet_nonce`` when ``request_uri_method=post``, §5.10; redirects
are never followed), verifies its signature and client identifier against
the wallet's trust anchors (§5.9, ``ssi.oid4vp``), refuses unknown
transaction data types (§8.4), and matches the DCQL query against the
credentials held (§6.4), preferring copies not yet shown to this verifier.

``respond`` builds what the investor consented to: the SD-JWT presentation
with a KB-JWT (nonce, the full client id as ``aud``, ``sd_hash``,
``transaction_data_hashes`` and ``whitelist_address``), the EIP-4361 address
proof (ARCHITECTURE.md "Binding the address to the presentation"), sends it
by ``direct_post`` or ``direct_post.jwt`` (§8.2, §8.3), records the history
entry encrypted, and returns the verifier's ``redirect_uri`` if any.

W3C predicate credentials (``jwt_vc_json``, ``ldp_vc``; :mod:`wallet.w3c`)
match through ``ssi.w3c.candidate`` and are presented whole, as a VP signed
by the holder's DID key over the nonce and the full client id (Appendix B.1).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ssi.address_binding import (
    ERC3643_WHITELIST,
    WHITELIST_ADDRESS_CLAIM,
    Erc3643Whitelist,
    build_address_proof,
    whitelist_entry,
)
from ssi.dcql import CandidateCredential, CredentialMatch, match
from ssi.errors import AccessDenied, CredentialStatusError, InvalidRequest, SSIError
from ssi.fetch import Fetcher
from ssi.jose import Key
from ssi.oid4vp import (
    AuthorizationRequest,
    AuthorizationResponse,
    RequestReference,
    VerifiedRequest,
    WalletPost,
    WalletTrust,
    accept_unsigned_request,
    check_transaction_data,
    kb_jwt_transaction_claims,
    parse_request_link,
    verify_request_object,
)
from ssi.sdjwt import HeldSDJWT
from ssi.w3c import vp_formats_supported

from .accounts import account_key
from .receive import CREDENTIAL_KIND
from .response_mode import send_response
from .vault import Vault, VaultItem
from .w3c import all_paths, is_w3c
from .w3c import present as present_w3c
from .w3c import to_candidate as w3c_candidate

__all__ = ["HISTORY_KIND", "PendingRequest", "Presenter"]

HISTORY_KIND = "history"
_TRANSACTION_TYPES = {ERC3643_WHITELIST: Erc3643Whitelist.parse}


@dataclass
class PendingRequest:
    """A verified request waiting for the investor's consent."""

    id: str
    verified: VerifiedRequest
    matches: dict[str, list[CredentialMatch]]
    whitelist: Erc3643Whitelist | None
    trusted: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def request(self) -> AuthorizationRequest:
        return self.verified.request

    @property
    def client_id(self) -> str:
        return self.verified.client.raw

    @property
    def verifier_name(self) -> str:
        """What identifies the verifier: its DNS names (x509), DID, or response URI."""
        if self.verified.leaf_dns_names:
            return ", ".join(self.verified.leaf_dns_names)
        return self.verified.client.value


def _held(item: VaultItem) -> HeldSDJWT:
    issuer_key = Key.from_jwk(item.data["issuer_jwk"])
    return HeldSDJWT.receive(
        item.data["credential"],
        lambda header, payload: issuer_key,
        typ="dc+sd-jwt",
        allow_header_keys=frozenset({"x5c"}),
    )


def _item(found: CredentialMatch) -> VaultItem:
    candidate = found.candidate
    assert isinstance(candidate, CandidateCredential) and isinstance(candidate.ref, VaultItem)
    return candidate.ref


class Presenter:
    def __init__(
        self,
        fetcher: Fetcher,
        trust: WalletTrust,
        status_check: Callable[[dict[str, Any], str | None], None] | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.trust = trust
        self.status_check = status_check

    def _usable(self, claims: dict[str, Any], now: float, credential: str | None = None) -> bool:
        """Not expired, and not known to be revoked or suspended (an unknown
        status is left to the verifier, which fails closed)."""
        exp = claims.get("exp")
        if isinstance(exp, int | float) and exp <= now:
            return False
        if self.status_check is not None and "status" in claims:
            try:
                self.status_check(claims, credential)
            except CredentialStatusError:
                return False
            except SSIError:
                return True
        return True

    def _fetch_request_object(self, reference: RequestReference, now: float) -> VerifiedRequest:
        headers = {"Accept": "application/oauth-authz-req+jwt"}
        wallet_nonce = None
        if reference.uses_post:
            wallet_nonce = secrets.token_urlsafe(16)
            formats = {"dc+sd-jwt": {}, **vp_formats_supported()}
            post = WalletPost({"vp_formats_supported": formats}, wallet_nonce)
            response = self.fetcher.post(
                reference.request_uri, data=post.to_form(), headers=headers
            )
        else:
            response = self.fetcher.get(reference.request_uri, headers=headers)
        return verify_request_object(
            response.text().strip(),
            client_id=reference.client_id,
            trust=self.trust,
            now=now,
            wallet_nonce=wallet_nonce,
        )

    def prepare(self, vault: Vault, link: str, now: float) -> PendingRequest:
        parsed = parse_request_link((link or "").strip())
        if isinstance(parsed, RequestReference):
            verified = self._fetch_request_object(parsed, now)
        else:
            verified = accept_unsigned_request(parsed)
        request = verified.request
        whitelist = None
        if request.transaction_data:
            entries = check_transaction_data(
                request.transaction_data,
                _TRANSACTION_TYPES,
                {q.id: q.requires_holder_binding for q in request.dcql_query.credentials},
            )
            if any(e.type == ERC3643_WHITELIST for e in entries):
                whitelist = whitelist_entry(request)
        candidates = []
        for item in vault.items(CREDENTIAL_KIND):
            if is_w3c(item):
                if self._usable(item.data["claims"], now):
                    candidates.append(w3c_candidate(item))
                continue
            held = _held(item)
            if not self._usable(held.claims, now, item.data["credential"]):
                continue
            candidates.append(
                CandidateCredential(
                    "dc+sd-jwt",
                    held.claims.get("vct"),
                    held.claims,
                    holder_binding="cnf" in held.claims,
                    ref=item,
                )
            )
        # copies not yet shown to this verifier first (unlinkability), then the newest
        client = verified.client.raw
        candidates.sort(
            key=lambda c: (
                client in c.ref.data.get("shown_to", []),
                -float(c.ref.data.get("claims", {}).get("iat", 0)),
                -c.ref.created_at,
            )
        )
        result = match(request.dcql_query, candidates)
        if not result.satisfied:
            raise AccessDenied("this wallet holds no credential with what the verifier asks for")
        return PendingRequest(
            secrets.token_urlsafe(16),
            verified,
            result.by_query,
            whitelist,
            trusted=verified.signed,
        )

    def respond(
        self,
        vault: Vault,
        pending: PendingRequest,
        chosen: dict[str, str],
        address: str | None,
        now: int,
    ) -> str | None:
        """Present the chosen credential (item id) for each query; return the redirect."""
        request = pending.request
        if pending.whitelist is not None and not address:
            raise InvalidRequest("choose the address to whitelist")
        extra = kb_jwt_transaction_claims(request.transaction_data or [])
        if pending.whitelist is not None:
            extra[WHITELIST_ADDRESS_CLAIM] = address
        vp_token: dict[str, list[Any]] = {}
        disclosed: list[dict[str, Any]] = []
        used: list[VaultItem] = []
        for query_id, item_id in chosen.items():
            matches = pending.matches.get(query_id, [])
            found = next((m for m in matches if _item(m).id == item_id), None)
            if found is None:
                raise InvalidRequest(f"that credential does not answer the request {query_id!r}")
            item = _item(found)
            if is_w3c(item):  # shown whole: every member, whatever the query names
                vp_token[query_id] = [
                    present_w3c(item, nonce=request.nonce, client_id=pending.client_id)
                ]
                disclosed.append({"query": query_id, "paths": all_paths(item)})
                used.append(item)
                continue
            held = _held(item)
            vp_token[query_id] = [
                held.present(
                    found.disclose,
                    holder_key=Key.from_jwk(item.data["holder_key"], private=True),
                    audience=pending.client_id,
                    nonce=request.nonce,
                    iat=now,
                    extra_claims=extra,
                )
            ]
            disclosed.append({"query": query_id, "paths": [list(p) for p in found.disclose]})
            used.append(item)
        proof = None
        if pending.whitelist is not None:
            assert address is not None
            proof = build_address_proof(request, address, account_key(vault, address), now=now)
        response = AuthorizationResponse(vp_token, request.state, proof)
        answer = send_response(self.fetcher, request, response)
        for item in used:
            vault.put(
                item.kind,
                {**item.data, "shown_to": [*item.data.get("shown_to", []), pending.client_id]},
                item.id,
            )
        vault.put(
            HISTORY_KIND,
            {
                "at": now,
                "verifier": pending.client_id,
                "verifier_name": pending.verifier_name,
                "trusted": pending.trusted,
                "disclosed": disclosed,
                "address": address,
                "whitelist": None
                if pending.whitelist is None
                else {
                    "chain_id": pending.whitelist.chain_id,
                    "token": pending.whitelist.token,
                    "token_name": pending.whitelist.token_name,
                    "identity_registry": pending.whitelist.identity_registry,
                },
            },
        )
        redirect = answer.get("redirect_uri") if isinstance(answer, dict) else None
        return redirect if isinstance(redirect, str) else None
