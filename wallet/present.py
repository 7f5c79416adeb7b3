"""Presenting: the wallet side of OpenID4VP 1.0 with DCQL.

``prepare`` reads a request link (``openid4vp://?client_id=…&request_uri=…``,
or the wallet's own ``/authorize`` route with the same query), fetches the
Request Object by ``request_uri`` through the guarded fetcher (GET, or POST
with a ``wallet_nonce`` when ``request_uri_method=post``, §5.10; redirects
are never followed), verifies its signature and client identifier against
the wallet's trust anchors (§5.9, ``ssi.oid4vp``), refuses unknown
transaction data types (§8.4), and matches the DCQL query against the
credentials held (§6.4), preferring copies not yet shown to this verifier.
For each credential that could answer, it computes the :class:`~wallet.release.Release`:
the exact disclosures the presentation would carry, which the consent screen
lists. Unsigned requests (``redirect_uri:`` client ids) are taken only in
development mode.

A verifier is authenticated by an ``x509_san_dns:`` / ``x509_hash:`` client id
whose certificate chains to the wallet's trust anchors, or by a
``decentralized_identifier:`` that is a did:web (ARCHITECTURE.md "Trust"): its
key is published on its host, and its ``response_uri`` must be on that host.
A did:jwk, did:key or did:pkh authenticates nobody (anyone makes one in a
moment, and it binds no ``response_uri``): such requests are refused
(:func:`verifier_trust`).

A request that the wallet authenticated (a signed Request Object under a
trust anchor or a did:web) but must refuse (an unknown transaction data
type, no matching credential) becomes a pending refusal: the investor sees
why, and ``decline`` sends the error response (§8.5) with its code. An
unauthenticated request is refused on the page only: the wallet never posts
to a ``response_uri`` it could not authenticate.

``respond`` presents what the investor consented to: the SD-JWT presentation
with a KB-JWT (nonce, the full client id as ``aud``, ``sd_hash``,
``transaction_data_hashes`` and ``whitelist_address``) over exactly the
release's disclosures, the EIP-4361 address proof (ARCHITECTURE.md "Binding
the address to the presentation"), sends it by ``direct_post`` or
``direct_post.jwt`` (§8.2, §8.3), records the history entry encrypted, and
returns the verifier's ``redirect_uri`` if any. ``decline`` sends
``access_denied`` (or the refusal's code).

W3C predicate credentials (``jwt_vc_json``, ``ldp_vc``; :mod:`wallet.w3c`)
match through ``ssi.w3c.candidate`` and are presented whole, as a VP signed
by the holder's DID key over the nonce and the full client id (Appendix B.1).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509

from kyc_wallet.locales import gettext as _
from ssi.address_binding import (
    ERC3643_WHITELIST,
    WHITELIST_ADDRESS_CLAIM,
    Erc3643Whitelist,
    build_address_proof,
    whitelist_entry,
)
from ssi.dcql import CandidateCredential, CredentialMatch, match
from ssi.did import Resolver
from ssi.errors import (
    AccessDenied,
    CredentialStatusError,
    InvalidClientIdentifier,
    InvalidRequest,
    InvalidTransactionData,
    SSIError,
)
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
    spec,
    verify_request_object,
)
from ssi.sdjwt import HeldSDJWT
from ssi.w3c import vp_formats_supported

from .accounts import account_key
from .receive import CREDENTIAL_KIND
from .release import Release, release
from .response_mode import redirect_target, send_error, send_response
from .vault import Vault, VaultItem
from .verifier_identity import VerifierIdentity, identify
from .w3c import is_w3c
from .w3c import present as present_w3c
from .w3c import to_candidate as w3c_candidate

__all__ = [
    "HISTORY_KIND",
    "NoMatchingCredential",
    "Outcome",
    "PendingRequest",
    "Presenter",
    "UnsignedRequestRefused",
    "verifier_trust",
]

HISTORY_KIND = "history"
_TRANSACTION_TYPES = {ERC3643_WHITELIST: Erc3643Whitelist.parse}


class NoMatchingCredential(AccessDenied):
    """§8.5 ``access_denied``: no credential held answers the query."""


class UnsignedRequestRefused(InvalidRequest):
    """An unsigned request (``redirect_uri:`` client id) outside development mode."""


@dataclass(frozen=True)
class Outcome:
    """How a request ended, for the page the investor lands on."""

    shared: bool
    redirect_uri: str | None = None
    told: bool = False
    """Declined: the verifier took the error response."""

    @property
    def redirect_host(self) -> str | None:
        """The host the browser goes on to: the landing page names it, not the
        verifier (a ``redirect_uri`` may be on any host, §8.2)."""
        return urlsplit(self.redirect_uri).hostname if self.redirect_uri else None


@dataclass
class PendingRequest:
    """A verified request waiting for the investor's consent (or, with
    ``refusal``, for the investor to read why the wallet must refuse it)."""

    id: str
    verified: VerifiedRequest
    choices: dict[str, list[Release]]
    """For each credential query to answer: one release per credential that can
    answer it, its best copy first (the order of the consent screen's choices)."""
    whitelist: Erc3643Whitelist | None
    trusted: bool
    refusal: SSIError | None = None
    outcome: Outcome | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    anchor_names: Mapping[str, str] = field(default_factory=dict)
    """The trust list's names of the anchors (:mod:`wallet.trust_anchors`)."""

    @property
    def identity(self) -> VerifierIdentity:
        """Who asks, by what the wallet checked (:mod:`wallet.verifier_identity`)."""
        return identify(self.verified, self.anchor_names)

    @property
    def request(self) -> AuthorizationRequest:
        return self.verified.request

    @property
    def expires_at(self) -> float | None:
        """The Request Object's ``exp``: the pending store forgets the request then
        (:mod:`wallet.pending`), if that is sooner than its own limit."""
        return self.verified.expires_at

    @property
    def client_id(self) -> str:
        return self.verified.client.raw

    @property
    def verifier_name(self) -> str:
        """The verifier's name in a sentence (never its own words, never a client id)."""
        return self.identity.name or "the platform"

    @property
    def verification_code(self) -> str | None:
        """The code the verifier's cross-device page shows (signed requests only)."""
        return self.request.verification_code if self.trusted else None

    @property
    def refusal_code(self) -> str:
        """The §8.5 code a refusal (or a decline) sends."""
        if isinstance(self.refusal, InvalidTransactionData):
            return spec.ERROR_INVALID_TRANSACTION_DATA
        return spec.ERROR_ACCESS_DENIED

    @property
    def refusal_reason(self) -> str:
        """Why the wallet refuses, in plain words (the code stays in small print)."""
        if isinstance(self.refusal, InvalidTransactionData):
            return _(
                "The platform asks you to approve an action this wallet does not know,"
                " so it cannot show you what you would agree to."
            )
        if isinstance(self.refusal, NoMatchingCredential):
            return _(
                "Your wallet holds no credential with what the platform asks for."
                " Get one from your KYC provider, then start again on the platform."
            )
        return self.refusal.description if self.refusal is not None else ""

    def release(self, query_id: str, item_id: str) -> Release:
        """The consented release of ``item_id`` for ``query_id``."""
        for candidate in self.choices.get(query_id, []):
            if candidate.item.id == item_id:
                return candidate
        raise InvalidRequest(f"that credential does not answer the request {query_id!r}")


def verifier_trust(roots: tuple[x509.Certificate, ...], resolver: Resolver) -> WalletTrust:
    """The wallet's trust in verifiers: X.509 ``roots``, and DIDs bound to a host.

    A ``decentralized_identifier:`` client id authenticates its verifier only as
    a did:web (its document is served by its host, whose name the consent
    screen shows, and :func:`ssi.oid4vp.check_response_uri` keeps the
    ``response_uri`` on that host). A did:jwk, did:key or did:pkh is a key its
    holder made itself: it names no one and binds no ``response_uri``."""

    def resolve_key(kid: str, did: str) -> Key:
        if not did.startswith("did:web:"):
            raise InvalidClientIdentifier(
                f"this verifier identifies itself only by a {':'.join(did.split(':')[:2])} "
                "that anyone can make: the wallet takes requests signed under its trust "
                "anchors or by a did:web"
            )
        return resolver.resolve_key(kid, did)

    return WalletTrust(tuple(roots), resolve_key)


def _held(item: VaultItem) -> HeldSDJWT:
    issuer_key = Key.from_jwk(item.data["issuer_jwk"])
    return HeldSDJWT.receive(
        item.data["credential"],
        lambda header, payload: issuer_key,
        typ="dc+sd-jwt",
        allow_header_keys=frozenset({"x5c"}),
    )


def _releases(matches: list[CredentialMatch], held: dict[str, HeldSDJWT]) -> list[Release]:
    """One release per credential (its copies share a group), best copy first."""
    out: list[Release] = []
    groups: set[str] = set()
    for found in matches:
        item = found.candidate.ref  # type: ignore[attr-defined]
        group = item.data.get("group", item.id)
        if group in groups:
            continue
        groups.add(group)
        out.append(release(found, held.get(item.id)))
    return out


class Presenter:
    def __init__(
        self,
        fetcher: Fetcher,
        trust: WalletTrust,
        status_check: Callable[[dict[str, Any], str | None], None] | None = None,
        *,
        development: bool = False,
        anchor_names: Mapping[str, str] | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.trust = trust
        self.status_check = status_check
        self.anchor_names = dict(anchor_names or {})
        self.development = development
        """``DEV_ALLOW_HTTP_LOOPBACK``: accept unsigned requests (``redirect_uri:``
        client ids), and send the browser on to http loopback URLs."""

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

    def _verify(self, link: str, now: float) -> VerifiedRequest:
        parsed = parse_request_link((link or "").strip())
        if isinstance(parsed, RequestReference):
            return self._fetch_request_object(parsed, now)
        if not self.development:
            raise UnsignedRequestRefused(
                "this request is unsigned (a redirect_uri client id): the wallet takes"
                " unsigned requests only in development mode (DEV_ALLOW_HTTP_LOOPBACK)"
            )
        return accept_unsigned_request(parsed)

    def _whitelist(self, request: AuthorizationRequest) -> Erc3643Whitelist | None:
        if not request.transaction_data:
            return None
        entries = check_transaction_data(
            request.transaction_data,
            _TRANSACTION_TYPES,
            {q.id: q.requires_holder_binding for q in request.dcql_query.credentials},
        )
        if any(e.type == ERC3643_WHITELIST for e in entries):
            return whitelist_entry(request)
        return None

    def _choices(
        self, vault: Vault, verified: VerifiedRequest, now: float
    ) -> dict[str, list[Release]]:
        request = verified.request
        candidates = []
        held: dict[str, HeldSDJWT] = {}
        for item in vault.items(CREDENTIAL_KIND):
            if is_w3c(item):
                if self._usable(item.data["claims"], now):
                    candidates.append(w3c_candidate(item))
                continue
            sd_jwt = _held(item)
            if not self._usable(sd_jwt.claims, now, item.data["credential"]):
                continue
            held[item.id] = sd_jwt
            candidates.append(
                CandidateCredential(
                    "dc+sd-jwt",
                    sd_jwt.claims.get("vct"),
                    sd_jwt.claims,
                    holder_binding="cnf" in sd_jwt.claims,
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
            raise NoMatchingCredential(
                "this wallet holds no credential with what the verifier asks for"
            )
        # the queries the answer uses: all of them, or with credential_sets the
        # first satisfiable option of each set (§6.4.2)
        answered = result.selection()
        return {qid: _releases(result.by_query[qid], held) for qid in answered}

    def prepare(self, vault: Vault, link: str, now: float) -> PendingRequest:
        verified = self._verify(link, now)
        pending_id = secrets.token_urlsafe(16)
        try:
            whitelist = self._whitelist(verified.request)
            choices = self._choices(vault, verified, now)
        except (InvalidTransactionData, NoMatchingCredential) as exc:
            if not verified.signed:
                raise
            return PendingRequest(
                pending_id,
                verified,
                {},
                None,
                trusted=True,
                refusal=exc,
                anchor_names=self.anchor_names,
            )
        return PendingRequest(
            pending_id,
            verified,
            choices,
            whitelist,
            trusted=verified.signed,
            anchor_names=self.anchor_names,
        )

    def decline(self, pending: PendingRequest) -> Outcome:
        """The investor declined (or read why the wallet refuses): send the error
        response (§8.5) to an authenticated verifier; tell an unsigned one nothing."""
        if not pending.trusted:
            return Outcome(shared=False)
        answer = send_error(self.fetcher, pending.request, pending.refusal_code)
        return Outcome(
            shared=False,
            redirect_uri=redirect_target(answer, allow_http_loopback=self.development),
            told=answer is not None,
        )

    def respond(
        self,
        vault: Vault,
        pending: PendingRequest,
        chosen: dict[str, str],
        address: str | None,
        now: int,
    ) -> Outcome:
        """Present the chosen credential (item id) for each query, releasing exactly
        what the consent screen listed for it; return where the browser goes next."""
        if pending.refusal is not None:
            raise InvalidRequest("this request cannot be answered: decline it")
        request = pending.request
        if pending.whitelist is not None and not address:
            raise InvalidRequest("choose the address to whitelist")
        extra = kb_jwt_transaction_claims(request.transaction_data or [])
        if pending.whitelist is not None:
            extra[WHITELIST_ADDRESS_CLAIM] = address
        vp_token: dict[str, list[Any]] = {}
        disclosed: list[dict[str, Any]] = []
        used: list[VaultItem] = []
        for query_id in pending.choices:
            consented = pending.release(query_id, chosen.get(query_id, ""))
            item = consented.item
            if consented.held is None:  # W3C: shown whole, every member
                vp_token[query_id] = [
                    present_w3c(item, nonce=request.nonce, client_id=pending.client_id)
                ]
            else:
                vp_token[query_id] = [
                    consented.held.present(
                        disclosures=consented.disclosures,
                        holder_key=Key.from_jwk(item.data["holder_key"], private=True),
                        audience=pending.client_id,
                        nonce=request.nonce,
                        iat=now,
                        extra_claims=extra,
                    )
                ]
            disclosed.append(
                {
                    "query": query_id,
                    "paths": [list(p) for p in consented.paths],
                    "claims": [row.label for row in consented.shown],
                }
            )
            used.append(item)
        proof = None
        if pending.whitelist is not None:
            assert address is not None
            proof = build_address_proof(request, address, account_key(vault, address), now=now)
        response = AuthorizationResponse(vp_token, request.state, proof)
        answer = send_response(self.fetcher, request, response)
        identity = pending.identity
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
                "verifier_name": identity.name,
                "verifier_host": identity.host,
                "checked": identity.checked,
                "anchored": identity.anchored,
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
        return Outcome(
            shared=True,
            redirect_uri=redirect_target(answer, allow_http_loopback=self.development),
        )
