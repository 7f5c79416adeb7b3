"""Base policies: each token the verifier whitelists on has one, and no request
lowers it (issue 19 item 4; SECURITY.md "Who may do what").

The policies file has a ``base_policies`` table, one entry per managed token,
named by the token's id (what ``API_KEYS`` list in ``tokens``)::

    [base_policies.SP7]
    token = "SP7"                         # a DEV_TOKENS symbol, or the token table
    vct = "urn:kyc-wallet:vct:kyc:1"
    rules = ["age_equal_or_over.18 == true", "kyc_level >= 2"]
    claims = [["address", "country"]]     # optional
    max_credential_age_days = 365         # optional

A token that a policy of the file whitelists on, and that has no base policy,
takes that policy as its base policy, under the policy's name; two such
policies for one token stop the start (the operator must say which is the floor).

Whatever asks for an address proof on a token (a named policy, a named policy
with another ``token``, an inline ``policy_body``) gets the token's effective
policy: the base policy's rules and the request's, the claims of both, the
shorter maximum credential age; the credential type must be the base's. An
identity registry the verifier does not manage, or a managed one given with
another token contract or name, is refused (403). One identity registry is one
whitelist (ERC-3643: the token asks its registry), so two managed tokens on one
registry stop the start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ssi.dcql.spec import META_VCT_VALUES
from ssi.errors import AccessDenied, InvalidRequest, MalformedInput
from ssi.oid4vp import spec as vp

from .policies import MAX_RULES, Policy, TokenTarget

__all__ = ["BASE_MEMBERS", "BasePolicies", "ManagedToken", "TokenNotManaged", "load_base_policies"]

BASE_MEMBERS = frozenset(
    {"token", "vct", "rules", "claims", "max_credential_age_days", "address_proof"}
)


class TokenNotManaged(AccessDenied):
    """The request whitelists on a token this verifier has no base policy for."""


class WeakerThanBase(AccessDenied):
    """The request asks for a credential its token's base policy does not check."""


@dataclass(frozen=True)
class ManagedToken:
    """A token the verifier whitelists on, and its base policy."""

    id: str
    target: TokenTarget
    base: Mapping[str, Any]
    """The base policy's body (``address_proof`` true, ``token`` a table)."""

    def tightened(self, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``body`` (a policy for this token) with every check of the base added."""
        base = self.base
        if body.get("vct") != base["vct"]:
            raise WeakerThanBase(
                f"token {self.id!r} is whitelisted on the credential type {base['vct']!r}"
                f" (its base policy); policy {name!r} asks for {body.get('vct')!r}"
            )
        for query in (body.get("dcql") or {}).get("credentials", []):
            vct_values = query.get("meta", {}).get(META_VCT_VALUES)  # a valid DCQL query
            if query.get("format") != vp.FORMAT_SD_JWT_VC or vct_values != [base["vct"]]:
                raise WeakerThanBase(
                    f"policy {name!r}: each credential query of its 'dcql' must ask for the"
                    f" credential type of token {self.id!r}'s base policy ({base['vct']!r})"
                )
        rules = list(dict.fromkeys([*base.get("rules", []), *body.get("rules", [])]))
        claims = [list(p) for p in dict.fromkeys(tuple(p) for p in base.get("claims", []))]
        claims += [list(p) for p in body.get("claims", []) if list(p) not in claims]
        if len(rules) > MAX_RULES or len(claims) > MAX_RULES:
            raise InvalidRequest(
                f"with the checks of token {self.id!r}'s base policy, policy {name!r} has more"
                f" than {MAX_RULES} rules or claims"
            )
        merged = {**body, "rules": rules, "address_proof": True, "token": self.target.to_dict()}
        if claims:
            merged["claims"] = claims
        ages = [
            age
            for age in (base.get("max_credential_age_days"), body.get("max_credential_age_days"))
            if age is not None
        ]
        if ages:
            merged["max_credential_age_days"] = min(ages)
        Policy.from_dict(name, merged)
        return merged


class BasePolicies:
    """The managed tokens by id."""

    def __init__(self, tokens: Mapping[str, ManagedToken]) -> None:
        self.tokens = dict(tokens)
        registries: dict[tuple[str, str], str] = {}
        for token in self.tokens.values():
            key = (token.target.chain_id, token.target.identity_registry)
            if key in registries:
                raise MalformedInput(
                    f"tokens {registries[key]!r} and {token.id!r} share one identity registry"
                    f" ({key[1]} on {key[0]}): one identity registry is one whitelist, so it"
                    " has one base policy"
                )
            registries[key] = token.id

    def find(
        self, target: TokenTarget, may_whitelist: Callable[[ManagedToken], None] | None = None
    ) -> ManagedToken:
        """The managed token of ``target``'s identity registry; exactly that token.
        ``may_whitelist`` (the caller's grants) is asked first: a caller learns nothing
        of a token it may not whitelist on (its contract, name or base policy)."""
        for token in self.tokens.values():
            if (token.target.chain_id, token.target.identity_registry) == (
                target.chain_id,
                target.identity_registry,
            ):
                if may_whitelist is not None:
                    may_whitelist(token)
                if token.target != target:
                    raise TokenNotManaged(
                        f"the identity registry {target.identity_registry} is token"
                        f" {token.id!r}: give exactly that token {token.target.to_dict()}"
                    )
                return token
        raise TokenNotManaged(
            f"this verifier manages no token on the identity registry"
            f" {target.identity_registry} ({target.chain_id}): whitelisting needs a token"
            " with a base policy"
        )

    def effective(
        self,
        name: str,
        body: Mapping[str, Any],
        may_whitelist: Callable[[ManagedToken], None] | None = None,
    ) -> tuple[dict[str, Any], ManagedToken | None]:
        """The policy to apply and the token it whitelists on (``None``: it whitelists
        nothing, and is returned as it is); ``may_whitelist``: see :meth:`find`."""
        policy = Policy.from_dict(name, body)
        if not policy.address_proof or policy.token is None:
            return dict(body), None
        token = self.find(policy.token, may_whitelist)
        return token.tightened(name, body), token


def _explicit(table: object) -> dict[str, ManagedToken]:
    if not isinstance(table, Mapping):
        raise MalformedInput("'base_policies' is a table of base policies by token id")
    tokens = {}
    for token_id, body in table.items():
        what = f"base policy {token_id!r}"
        if not isinstance(body, Mapping):
            raise MalformedInput(f"{what} must be a table")
        unknown = sorted(set(body) - BASE_MEMBERS)
        if unknown:
            raise MalformedInput(
                f"{what}: unknown members {unknown} (it takes {', '.join(sorted(BASE_MEMBERS))})"
            )
        if body.get("address_proof", True) is not True or "token" not in body:
            raise MalformedInput(f"{what} is for a 'token' (it whitelists: no address_proof)")
        full = {**body, "address_proof": True}
        policy = Policy.from_dict(what, full)
        assert policy.token is not None
        tokens[str(token_id)] = ManagedToken(str(token_id), policy.token, full)
    return tokens


def load_base_policies(data: object) -> BasePolicies:
    """The managed tokens of a policies file (tokens given by symbol already resolved):
    its ``base_policies``, then the tokens its policies whitelist on without one."""
    data = data if isinstance(data, Mapping) else {}
    named: Mapping[str, Any] = data.get("policies") or {}
    tokens = _explicit(data.get("base_policies", {}))
    bases = BasePolicies(tokens)
    implicit: dict[tuple[str, str], list[tuple[str, Policy]]] = {}
    for name, body in named.items():
        policy = Policy.from_dict(name, body)
        if not policy.address_proof or policy.token is None:
            continue
        try:
            bases.find(policy.token)
        except TokenNotManaged:
            key = (policy.token.chain_id, policy.token.identity_registry)
            implicit.setdefault(key, []).append((name, policy))
    for (_, registry), policies in implicit.items():
        if len(policies) > 1:
            names = sorted(name for name, _ in policies)
            raise MalformedInput(
                f"policies {names} whitelist on the identity registry {registry}, which has no"
                " base policy: add one to 'base_policies' (what every request for it must meet)"
            )
        ((name, policy),) = policies
        if name in tokens:
            raise MalformedInput(
                f"policy {name!r} whitelists on a token without base policy, and"
                f" 'base_policies' has another token named {name!r}"
            )
        assert policy.token is not None
        tokens[name] = ManagedToken(name, policy.token, dict(named[name]))
    bases = BasePolicies(tokens)
    for name, body in named.items():
        try:
            bases.effective(name, body)
        except (AccessDenied, InvalidRequest) as exc:
            raise MalformedInput(exc.description) from exc
    return bases
