"""What the wallet checks on a credential it receives or holds.

A wallet trusts the issuer the investor chose to accept an offer from: the
credential must be signed by that issuer's key (its ``/.well-known/jwt-vc-issuer``
metadata, or an ``x5c`` chain to a configured root; SD-JWT VC §4), be bound to
the key the wallet proved (``cnf.jwk``), and not be revoked or suspended
(Token Status List §8, fail closed): its status list signed with a key of the
credential's own issuer, with or without ``iss`` (:func:`ssi.status_list.status_list_key`,
issue 19 item 8). Everything is fetched through the guarded fetcher.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from ssi.errors import InvalidRequest
from ssi.fetch import Fetcher
from ssi.jose import Key, jws
from ssi.sdjwt_vc import IssuerTrust, verify_credential
from ssi.status_list import ReferencedIssuer, StatusChecker, status_list_fetch, status_list_key

__all__ = ["CheckedCredential", "CredentialChecker"]


@dataclass(frozen=True)
class CheckedCredential:
    vct: str
    claims: dict[str, Any]
    holder_jwk: dict[str, Any]
    issuer_jwk: dict[str, Any]


class CredentialChecker:
    def __init__(
        self,
        fetcher: Fetcher,
        clock: Callable[[], float],
        *,
        roots: tuple[x509.Certificate, ...] = (),
        allow_http: bool = False,
    ) -> None:
        self.fetcher = fetcher
        self.clock = clock
        self.roots = roots
        self.allow_http = allow_http

    def trust(self, issuers: frozenset[str]) -> IssuerTrust:
        return IssuerTrust(
            trusted_issuers=issuers,
            fetch_json=lambda url: self.fetcher.get(url).json(),
            x5c_roots=self.roots,
            allow_http=self.allow_http,
        )

    def _status(self, trust: IssuerTrust) -> StatusChecker:
        def resolve(
            header: dict[str, Any], claims: dict[str, Any], issuer: ReferencedIssuer
        ) -> Key:
            return status_list_key(trust, header, claims, issuer, self.clock())

        return StatusChecker(
            status_list_fetch(self.fetcher.get),
            resolve,
            self.clock,
            allow_header_keys=trust.header_keys,
        )

    def check(
        self, compact: str, issuer: str, now: float, *, status: bool = True
    ) -> CheckedCredential:
        """Verify a credential from ``issuer``; raise on any failure. A freshly
        issued one is checked with its status; a restored one (``status=False``,
        :mod:`wallet.backup`) for its signature, the issuer's key and binding, the
        status being shown live on its page like any held credential's."""
        trust = self.trust(frozenset({issuer}))
        verified = verify_credential(compact, trust, now=now, key_binding=None)
        # kept with the credential: the holder re-opens it to present (RFC 9901 §7.2)
        issuer_key = trust.issuer_key(verified.header, verified.claims, now)
        cnf = verified.claims.get("cnf")
        jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
        if not isinstance(jwk, dict):
            raise InvalidRequest("the credential is not bound to a holder key ('cnf.jwk')")
        if status and verified.status is not None:
            referenced = ReferencedIssuer.from_header(issuer, verified.header, self.roots, now)
            self._status(trust).assert_token_valid(verified.claims, issuer=referenced)
        return CheckedCredential(verified.vct, verified.claims, jwk, issuer_key.public_jwk())

    def check_status(self, claims: dict[str, Any], credential: str | None = None) -> None:
        """Raise unless the held credential's status is valid (fail closed).

        ``credential``: the held SD-JWT VC itself, whose ``x5c`` names the very
        certificate its status list must be signed with (or one delegated by the
        same organisation); without it (a W3C credential) the list must be signed
        with a key of the issuer ``iss`` by its metadata or certificate."""
        iss = claims.get("iss")
        if not isinstance(iss, str):
            raise InvalidRequest("the credential names no issuer")
        referenced = ReferencedIssuer(iss)
        if isinstance(credential, str) and "~" in credential:  # an SD-JWT VC
            header = jws.parse(credential.split("~", 1)[0]).header
            iat = claims.get("iat")
            at = iat if isinstance(iat, int | float) and not isinstance(iat, bool) else self.clock()
            # the chain as it was when the credential was issued and checked
            referenced = ReferencedIssuer.from_header(iss, header, self.roots, at)
        self._status(self.trust(frozenset({iss}))).assert_token_valid(claims, issuer=referenced)
