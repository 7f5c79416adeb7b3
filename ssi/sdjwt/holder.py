"""The Holder's side of RFC 9901 (§7.2): receive, list, select, present.

:meth:`HeldSDJWT.receive` runs the §7.1 checks on an issued SD-JWT (and
refuses an SD-JWT+KB, §7.2) and records the claim path of each disclosure.
:meth:`HeldSDJWT.select` picks disclosures by claim path (SD-JWT VC §5.6.1 /
OpenID4VP §7 syntax: a string is a key, an integer an index, ``None`` every
element): selecting a claim discloses it with everything below it, plus the
disclosures of its ancestors that it needs (§4.2.6). :meth:`HeldSDJWT.present`
assembles the presentation and, given a holder key, the KB-JWT (§4.3).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidRequest
from ..jose import Key, check_times, jws
from .disclosure import Disclosure
from .errors import KeyBindingUnexpected
from .kb_jwt import create_kb_jwt
from .processing import ClaimPath
from .serialization import SDJWTParts, split
from .verifier import IssuerKeyResolver, OpenedSDJWT, open_sd_jwt, process_parts

__all__ = ["HeldDisclosure", "HeldSDJWT", "PathQuery"]

PathQuery = Sequence[str | int | None]
"""A claim path as requested: keys, indices, ``None`` for every array element."""


@dataclass(frozen=True, slots=True)
class HeldDisclosure:
    """A disclosure and the path of the claim it discloses."""

    disclosure: Disclosure
    path: ClaimPath


def _related(path: ClaimPath, query: tuple[str | int | None, ...]) -> bool:
    """``path`` is an ancestor of, equal to, or below a claim ``query`` selects."""
    for have, want in zip(path, query, strict=False):
        if want is None:
            if not isinstance(have, int):
                return False
        elif have != want or isinstance(have, bool) or type(have) is not type(want):
            return False
    return True


def _exists(node: Any, query: tuple[str | int | None, ...]) -> bool:
    if not query:
        return True
    head, rest = query[0], query[1:]
    if isinstance(node, dict) and isinstance(head, str):
        return head in node and _exists(node[head], rest)
    if isinstance(node, list) and head is None:
        return any(_exists(element, rest) for element in node)
    if isinstance(node, list) and isinstance(head, int) and not isinstance(head, bool):
        return 0 <= head < len(node) and _exists(node[head], rest)
    return False


@dataclass(frozen=True, slots=True)
class HeldSDJWT:
    """An issued SD-JWT in the Holder's hands, with all its disclosures."""

    opened: OpenedSDJWT
    disclosures: tuple[HeldDisclosure, ...]

    @classmethod
    def receive(
        cls,
        issued: str | SDJWTParts,
        issuer_key: IssuerKeyResolver,
        *,
        typ: str,
        now: float | None = None,
        allow_header_keys: frozenset[str] = frozenset(),
    ) -> HeldSDJWT:
        """RFC 9901 §7.2: verify an issued SD-JWT and index its disclosures.

        With ``now``, also the validity claims ``exp`` / ``nbf`` / ``iat`` (§7.1 step 6).
        """
        parts = split(issued) if isinstance(issued, str) else issued
        if parts.kb_jwt is not None:
            raise KeyBindingUnexpected("an Issuer must not send an SD-JWT+KB (RFC 9901 §7.2)")
        opened = open_sd_jwt(
            parts, issuer_key, typ=typ, allow_header_keys=allow_header_keys, track_paths=True
        )
        if now is not None:
            check_times(opened.claims, now)
        return cls._indexed(opened)

    @classmethod
    def from_storage(cls, issued: str | SDJWTParts) -> HeldSDJWT:
        """Reload an SD-JWT that :meth:`receive` verified before, without its Issuer key.

        Only for the Holder's own encrypted storage: the signature is NOT checked.
        """
        parts = split(issued) if isinstance(issued, str) else issued
        if parts.kb_jwt is not None:
            raise KeyBindingUnexpected("a stored SD-JWT has no KB-JWT")
        token = jws.parse(parts.issuer_jwt)
        return cls._indexed(process_parts(parts, token.header, token.claims(), track_paths=True))

    @classmethod
    def _indexed(cls, opened: OpenedSDJWT) -> HeldSDJWT:
        return cls(
            opened, tuple(HeldDisclosure(d, opened.paths[d.digest]) for d in opened.disclosures)
        )

    @property
    def claims(self) -> dict[str, Any]:
        """All claims, every disclosure applied (what the Holder shows its user)."""
        return self.opened.claims

    def select(self, queries: Iterable[PathQuery]) -> tuple[Disclosure, ...]:
        """The disclosures needed to disclose the claims at ``queries``, in issued order."""
        wanted = [tuple(q) for q in queries]
        for query in wanted:
            if not query or not _exists(self.claims, query):
                raise InvalidRequest(f"the credential has no claim at path {list(query)}")
        return tuple(
            held.disclosure
            for held in self.disclosures
            if any(_related(held.path, query) for query in wanted)
        )

    def present(
        self,
        queries: Iterable[PathQuery] | None = None,
        *,
        disclosures: Sequence[Disclosure] | None = None,
        holder_key: Key | None = None,
        audience: str | None = None,
        nonce: str | None = None,
        iat: int | None = None,
        extra_claims: dict[str, Any] | None = None,
    ) -> str:
        """The compact presentation; with ``holder_key``, an SD-JWT+KB (RFC 9901 §4.3).

        Give either ``queries`` (claim paths) or ``disclosures`` (already selected).
        """
        if disclosures is None:
            disclosures = self.select(queries or ())
        issued = {held.disclosure.digest for held in self.disclosures}
        if any(d.digest not in issued for d in disclosures):
            raise InvalidRequest("a selected disclosure is not part of this SD-JWT")
        parts = SDJWTParts(self.opened.parts.issuer_jwt, tuple(d.raw for d in disclosures))
        if holder_key is None:
            return parts.compact()
        if audience is None or nonce is None or iat is None:
            raise InvalidRequest("a KB-JWT needs audience, nonce and iat")
        kb_jwt = create_kb_jwt(
            parts.sd_jwt,
            holder_key,
            audience=audience,
            nonce=nonce,
            iat=iat,
            sd_alg=self.opened.sd_alg,
            extra_claims=extra_claims,
        )
        return parts.sd_jwt + kb_jwt
