"""The verifier's trust list of issuers (ARCHITECTURE.md "How the roles reach and trust").

A TOML or JSON file maps each trusted issuer identifier (``iss``) to the
mechanisms by which its keys may be found (SD-JWT VC §2.5)::

    [issuers."https://kyc.example"]
    mechanisms = ["metadata"]          # JWT VC Issuer Metadata (§4)
    [issuers."did:web:kyc.example"]
    mechanisms = ["did"]
    [issuers."https://bank.example"]
    mechanisms = ["x509"]
    x509_roots = ["bank-root.pem"]     # relative to the trust list file

Each issuer gets its own :class:`ssi.sdjwt_vc.IssuerTrust` with only its
mechanisms, so a key found by a mechanism another issuer is allowed cannot
vouch for this one. The same trust verifies Status List Tokens: a list must be
signed with a key of the Referenced Token's own (already verified) issuer, its
``iss`` is optional but never another issuer's (:func:`ssi.status_list.status_list_key`,
issue 19 item 8). Every check is :func:`ssi.sdjwt_vc.verify_credential`'s.

An issuer that also signs W3C predicate credentials lists the DIDs it signs
them with (did:key or did:jwk: didkit would fetch a did:web on its own)::

    [issuers."https://kyc.example"]
    mechanisms = ["metadata"]
    w3c_dids = ["did:key:z6Mk…"]

A W3C credential is trusted when its ``issuer`` is one of these DIDs
(:attr:`TrustList.w3c_issuers`); its status list is that issuer's, verified
like the SD-JWT VCs'.

Its whole ``@context`` must be the one this project publishes
(``ssi.w3c.CONTEXT``). An issuer whose credentials use another context lists
it by digest (``ssi.w3c.context_digest``: SHA-256 of the ``@context`` value as
canonical JSON), for its DIDs only (:attr:`TrustList.w3c_contexts`)::

    w3c_contexts = ["3f1c…"]           # 64 hex digits each

Such a context may only be the VC DM 1.1 context followed by inline objects,
and every member must still expand under it (``ssi.w3c.jsonld_safe``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509

from ssi.errors import MalformedInput, UntrustedIssuer
from ssi.jose import Key
from ssi.sdjwt import IssuerKeyResolver, KeyBinding
from ssi.sdjwt_vc import FetchJSON, IssuerTrust, ResolveDIDKey, VerifiedCredential
from ssi.sdjwt_vc import verify_credential as _verify_credential
from ssi.status_list import ReferencedIssuer, status_list_key

from .issuer_documents import IssuerDocuments

__all__ = ["MECHANISMS", "CachedIssuerTrust", "TrustList", "load_trust_list"]

MECHANISMS = ("metadata", "did", "x509")


@dataclass(frozen=True)
class CachedIssuerTrust(IssuerTrust):
    """An :class:`IssuerTrust` whose fetched documents are cached
    (:class:`~verifier.issuer_documents.IssuerDocuments`): a key missing from the
    cached documents is looked up once more on fresh ones, rate-limited."""

    documents: IssuerDocuments | None = None

    def issuer_key(self, header: dict[str, Any], payload: dict[str, Any], now: float) -> Key:
        documents = self.documents
        if documents is None:
            return super().issuer_key(header, payload, now)
        return documents.key(
            str(payload.get("iss")), lambda: IssuerTrust.issuer_key(self, header, payload, now)
        )


@dataclass(frozen=True)
class TrustList:
    """``iss`` -> the :class:`IssuerTrust` of that issuer alone."""

    issuers: Mapping[str, IssuerTrust]
    w3c_dids: Mapping[str, str] = field(default_factory=dict)
    """W3C issuer DID -> the trusted issuer (``iss``) that listed it."""
    w3c_contexts: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """W3C issuer DID -> the digests of the other ``@context`` values it may use."""

    @property
    def w3c_issuers(self) -> frozenset[str]:
        """The DIDs trusted as issuers of W3C credentials."""
        return frozenset(self.w3c_dids)

    def trust_for(self, iss: object) -> IssuerTrust:
        trust = self.issuers.get(iss) if isinstance(iss, str) else None
        if trust is None:
            raise UntrustedIssuer(f"issuer {iss!r} is not on the trust list")
        return trust

    def verify(
        self, presentation: str, *, now: float, key_binding: KeyBinding
    ) -> VerifiedCredential:
        """Verify everything with the trust of the issuer the (still unverified) ``iss``
        names: :meth:`resolver` picks it, so the Issuer-signed JWT is parsed once."""
        if not isinstance(presentation, str) or "~" not in presentation:
            raise MalformedInput("a dc+sd-jwt presentation is an SD-JWT string")
        return _verify_credential(presentation, self, now=now, key_binding=key_binding)

    def resolver(self, now: float) -> IssuerKeyResolver:
        """The issuer's key by the trust of the issuer ``iss`` names, and only by it (a
        key found by a mechanism another issuer is allowed cannot vouch for this one)."""

        def resolve(header: dict[str, Any], payload: dict[str, Any]) -> Key:
            return self.trust_for(payload.get("iss")).issuer_key(header, payload, now)

        return resolve

    @property
    def header_keys(self) -> frozenset[str]:
        """``{"x5c"}`` when some issuer's keys may come from a chain (Status List Tokens)."""
        return frozenset().union(*(t.header_keys for t in self.issuers.values()))

    def status_key_resolver(self, clock: Callable[[], float]) -> Callable[..., Key]:
        """``(header, claims, issuer) -> Key`` for the Status List Token of a Referenced
        Token of ``issuer`` (:func:`ssi.status_list.status_list_key`, that issuer's trust)."""

        def resolve(
            header: dict[str, Any], claims: dict[str, Any], issuer: ReferencedIssuer
        ) -> Key:
            return status_list_key(self.trust_for(issuer.iss), header, claims, issuer, clock())

        return resolve

    def referenced_issuer(self, credential: VerifiedCredential, now: float) -> ReferencedIssuer:
        """The verified SD-JWT VC's issuer, with the ``x5c`` leaf and root it was
        verified with: whose keys may sign its Status List Token."""
        trust = self.trust_for(credential.iss)
        assert credential.iss is not None  # trust_for refused it otherwise
        return ReferencedIssuer.from_header(credential.iss, credential.header, trust.x5c_roots, now)

    def w3c_referenced_issuer(self, did: str) -> ReferencedIssuer:
        """The trusted issuer that listed the W3C issuer DID ``did`` (its status lists
        are that issuer's)."""
        iss = self.w3c_dids.get(did)
        if iss is None:
            raise UntrustedIssuer(f"the W3C issuer {did!r} is not on the trust list")
        return ReferencedIssuer(iss)


def _roots(base: Path, names: object, iss: str) -> tuple[x509.Certificate, ...]:
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise MalformedInput(f"trust list: {iss!r} uses x509 but lists no x509_roots")
    return tuple(_root(base / n, iss) for n in names)


def _root(path: Path, iss: str) -> x509.Certificate:
    """One of ``iss``'s ``x509_roots``: a missing or malformed PEM file is a
    one-line :class:`MalformedInput` naming it."""
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except FileNotFoundError:
        raise MalformedInput(f"trust list: {iss!r}: the root {path} does not exist") from None
    except OSError as exc:
        raise MalformedInput(f"trust list: {iss!r}: cannot read {path}: {exc.strerror}") from None
    except ValueError:
        raise MalformedInput(f"trust list: {iss!r}: {path} is not a PEM certificate") from None


def load_trust_list(
    data: object,
    base: Path,
    *,
    fetch_json: FetchJSON | None,
    resolve_did_key: ResolveDIDKey | None,
    allow_http: bool = False,
    documents: IssuerDocuments | None = None,
) -> TrustList:
    """The trust list from its parsed file; ``base`` is the folder of relative PEM paths.
    With ``documents``, metadata and did:web documents are fetched through its cache
    (``fetch_json`` and ``resolve_did_key`` are then its own)."""
    if documents is not None:
        fetch_json, resolve_did_key = documents.fetch_json, documents.resolve_did_key
    issuers = data.get("issuers") if isinstance(data, dict) else None
    if not isinstance(issuers, dict):
        raise MalformedInput("the trust list needs an 'issuers' table")
    out: dict[str, IssuerTrust] = {}
    dids: dict[str, str] = {}
    contexts: dict[str, frozenset[str]] = {}
    for iss, entry in issuers.items():
        mechanisms = entry.get("mechanisms") if isinstance(entry, dict) else None
        if not isinstance(mechanisms, list) or not set(mechanisms) <= set(MECHANISMS):
            raise MalformedInput(f"trust list: {iss!r} needs mechanisms among {MECHANISMS}")
        out[iss] = CachedIssuerTrust(
            frozenset({iss}),
            fetch_json=fetch_json if "metadata" in mechanisms else None,
            resolve_did_key=resolve_did_key if "did" in mechanisms else None,
            x5c_roots=_roots(base, entry.get("x509_roots"), iss) if "x509" in mechanisms else (),
            allow_http=allow_http,
            documents=documents,
        )
        digests = _w3c_contexts(entry.get("w3c_contexts", []), iss)
        for did in _w3c_dids(entry.get("w3c_dids", []), iss):
            if did in dids:
                raise MalformedInput(f"trust list: {did} is listed by two issuers")
            dids[did] = iss
            if digests:
                contexts[did] = digests
    return TrustList(out, dids, contexts)


def _w3c_dids(names: object, iss: str) -> list[str]:
    if not isinstance(names, list) or not all(
        isinstance(n, str) and n.startswith(("did:key:", "did:jwk:")) for n in names
    ):
        raise MalformedInput(f"trust list: {iss!r}: 'w3c_dids' lists did:key or did:jwk DIDs")
    return list(names)


_DIGEST = re.compile(r"[0-9a-f]{64}")


def _w3c_contexts(digests: object, iss: str) -> frozenset[str]:
    if not isinstance(digests, list) or not all(
        isinstance(d, str) and _DIGEST.fullmatch(d) for d in digests
    ):
        raise MalformedInput(
            f"trust list: {iss!r}: 'w3c_contexts' lists SHA-256 digests (64 lowercase hex"
            " digits, ssi.w3c.context_digest) of @context values"
        )
    return frozenset(digests)
