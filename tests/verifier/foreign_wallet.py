"""A foreign wallet made in the test with ``ssi/`` only: it obtains a real SD-JWT VC
from the real issuer over OpenID4VCI and presents it to the verifier over
OpenID4VP, message by message, with hooks to break each part for the
negative tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from eth_account import Account

from ssi.address_binding import WHITELIST_ADDRESS_CLAIM, build_address_proof
from ssi.did import Resolver
from ssi.fetch import Fetcher, FetchResponse
from ssi.jose import Key
from ssi.oid4vci import (
    CredentialIssuerMetadata,
    CredentialResponse,
    TokenRequest,
    build_proof,
    credential_issuer_metadata_url,
    parse_offer_link,
)
from ssi.oid4vp import (
    AddressProof,
    AuthorizationRequest,
    AuthorizationResponse,
    RequestReference,
    VerifiedRequest,
    WalletPost,
    WalletTrust,
    accept_unsigned_request,
    encrypt_response,
    kb_jwt_transaction_claims,
    parse_request_link,
    verify_request_object,
)
from ssi.sdjwt import HeldSDJWT
from tests.support import RunningIssuer

INVESTOR = Account.from_key(bytes.fromhex("77" * 32))
STRANGER = Account.from_key(bytes.fromhex("66" * 32))


def issue_credential(issuer: RunningIssuer, holder: Key, **changes: Any) -> str:
    """The pre-authorized code flow against the running issuer (OpenID4VCI 1.0)."""
    offer = issuer.create_offer(**changes)
    link = parse_offer_link(offer["link"])
    assert link.offer_uri is not None
    body = issuer.fetch.get(link.offer_uri).json()
    metadata = CredentialIssuerMetadata.from_dict(
        issuer.fetch.get(credential_issuer_metadata_url(body["credential_issuer"])).json(),
        fetched_for=body["credential_issuer"],
    )
    grant = body["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    as_meta = issuer.fetch.get(issuer.url + "/.well-known/oauth-authorization-server").json()
    token = issuer.fetch.post(
        as_meta["token_endpoint"],
        data=TokenRequest(grant["pre-authorized_code"], offer["tx_code"]).to_form_body().encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ).json()["access_token"]
    assert metadata.nonce_endpoint is not None
    c_nonce = issuer.fetch.post(metadata.nonce_endpoint).json()["c_nonce"]
    proof = build_proof(holder, issuer.url, c_nonce, now=int(issuer.clock.now))
    response = issuer.fetch.post(
        metadata.credential_endpoint,
        json={"credential_configuration_id": "kyc_sd_jwt_vc", "proofs": {"jwt": [proof]}},
        headers={"Authorization": f"Bearer {token}"},
    )
    (compact,) = CredentialResponse.from_dict(response.json()).credential_values
    assert isinstance(compact, str)
    return compact


@dataclass
class ForeignWallet:
    fetch: Fetcher
    clock: Any
    credential: str
    holder: Key
    x509_roots: list[Any] = field(default_factory=list)
    wallet_nonce: str = "wAlLeTn0nce42"

    @cached_property
    def held(self) -> HeldSDJWT:
        return HeldSDJWT.receive(
            self.credential,
            self._issuer_key,
            typ="dc+sd-jwt",
            allow_header_keys=frozenset({"x5c"}),
        )

    def _issuer_key(self, header: dict[str, Any], payload: dict[str, Any]) -> Key:
        jwks = self.fetch.get(payload["iss"] + "/.well-known/jwt-vc-issuer").json()["jwks"]
        (jwk,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
        return Key.from_jwk({k: v for k, v in jwk.items() if k not in ("kid", "alg")})

    def fetch_request(self, link: str) -> VerifiedRequest:
        reference = parse_request_link(link)
        if isinstance(reference, AuthorizationRequest):
            return accept_unsigned_request(reference)
        assert isinstance(reference, RequestReference)
        if reference.uses_post:
            body = WalletPost(None, self.wallet_nonce).to_form()
            response = self.fetch.post(reference.request_uri, data=body)
        else:
            response = self.fetch.get(reference.request_uri)
        assert response.headers["content-type"] == "application/oauth-authz-req+jwt"
        trust = WalletTrust(
            x509_roots=self.x509_roots,
            resolve_did_key=Resolver(self.fetch.get, allow_http_loopback=True).resolve_key,
        )
        return verify_request_object(
            response.text(),
            client_id=reference.client_id,
            trust=trust,
            now=self.clock.now,
            wallet_nonce=self.wallet_nonce if reference.uses_post else None,
        )

    def present(
        self,
        request: AuthorizationRequest,
        *,
        paths: list[tuple[Any, ...]] | None = None,
        audience: str | None = None,
        nonce: str | None = None,
        iat: float | None = None,
        address: str | None = None,
        kb_extra: dict[str, Any] | None = None,
    ) -> str:
        """An SD-JWT+KB disclosing the requested claims (or ``paths``)."""
        query = request.dcql_query.credentials[0]
        if paths is None:
            paths = [tuple(c.path) for c in query.claims or ()]
        extra: dict[str, Any] = {}
        if request.transaction_data is not None:
            extra |= kb_jwt_transaction_claims(request.transaction_data)
            extra[WHITELIST_ADDRESS_CLAIM] = address or INVESTOR.address
        extra |= kb_extra or {}
        return self.held.present(
            paths,
            holder_key=self.holder,
            audience=audience or request.client_id,
            nonce=nonce or request.nonce,
            iat=int(self.clock.now if iat is None else iat),
            extra_claims=extra or None,
        )

    def proof(self, request: AuthorizationRequest, account: Any = INVESTOR) -> AddressProof:
        return build_address_proof(request, account.address, account.key, now=self.clock.now)

    def response(
        self,
        request: AuthorizationRequest,
        presentation: str | None = None,
        proof: AddressProof | None = None,
        *,
        state: str | None = None,
    ) -> AuthorizationResponse:
        if presentation is None:
            presentation = self.present(request)
        if proof is None and request.transaction_data is not None:
            proof = self.proof(request)
        return AuthorizationResponse({"kyc": [presentation]}, state or request.state, proof)

    def form(
        self, request: AuthorizationRequest, response: AuthorizationResponse
    ) -> dict[str, str]:
        if request.encrypted:
            assert request.client_metadata is not None
            return {"response": encrypt_response(response, request.client_metadata)}
        return response.to_form()

    def post(self, request: AuthorizationRequest, form: dict[str, str]) -> FetchResponse:
        return self.fetch.post(request.response_uri, data=form, raise_for_status=False)

    def complete(self, link: str, **present: Any) -> tuple[AuthorizationRequest, FetchResponse]:
        request = self.fetch_request(link).request
        response = self.response(request, self.present(request, **present))
        return request, self.post(request, self.form(request, response))
