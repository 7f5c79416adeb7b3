"""Named verification policies: what to ask for, what to require, and for which token.

A policies file (TOML or JSON) maps names to policies::

    [policies.sp7]
    vct = "urn:kyc-wallet:vct:kyc:1"
    rules = ["age_equal_or_over.18 == true", "kyc_level >= 2"]
    claims = [["given_name"]]            # optional: more claims to disclose
    max_credential_age_days = 365        # optional
    address_proof = true
    [policies.sp7.token]
    chain_id = "eip155:31337"
    identity_registry = "0x…"
    token = "0x…"
    name = "Solar Plant 7"

The DCQL query (OpenID4VP 1.0 §6) asks for the paths the rules read plus
``claims``, so the wallet discloses exactly what the policy needs, and the
verdict stores exactly that (:meth:`Policy.retained_claims`). A policy may
instead carry a full ``dcql`` query; its claims must still cover the rules.

A policy may ask for a W3C predicate credential instead (docs/specs/w3c-vc.md)::

    [policies.adults]
    format = "jwt_vc_json"               # or "ldp_vc"
    credential_type = "KycAgeCredential"
    rules = ["over18 == true"]           # members of that credential's subject

Its query is ``ssi.w3c.credential_query``. Such a policy cannot ask for an
address proof: ``transaction_data`` is defined only for SD-JWT VC (OpenID4VP
1.0 §8.4), so it is refused at load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kyc_wallet.config_files import read_config_file
from ssi.address_binding import Erc3643Whitelist
from ssi.country import alpha2_code
from ssi.dcql import DcqlQuery
from ssi.dcql.spec import META_VCT_VALUES
from ssi.errors import MalformedInput, PolicyViolation
from ssi.oid4vp import spec as vp
from ssi.w3c import PREDICATE_GROUPS, credential_query
from ssi.w3c import spec as w3c_spec

from .rules import InvalidRule, Rule

__all__ = [
    "CREDENTIAL_QUERY_ID",
    "MAX_AGE_DAYS",
    "MAX_RULES",
    "SD_JWT_MEMBERS",
    "TOKEN_MEMBERS",
    "W3C_MEMBERS",
    "Policy",
    "TokenTarget",
    "CredentialTooOld",
    "InvalidCountryCode",
    "load_policies",
    "read_file",
    "unknown_policy",
]

CREDENTIAL_QUERY_ID = "kyc"
MAX_RULES = 100
"""At most this many rules, and this many extra claim paths, in a policy."""
MAX_AGE_DAYS = 36_500
SD_JWT_MEMBERS = frozenset(
    {
        "format",
        "vct",
        "rules",
        "claims",
        "max_credential_age_days",
        "address_proof",
        "token",
        "dcql",
    }
)
_W3C_NO_ADDRESS_PROOF = (
    "policy {name}: an address proof needs transaction_data, which OpenID4VP 1.0 §8.4"
    " defines only for SD-JWT VC: use format 'dc+sd-jwt' for a policy with a token"
)
_W3C_WHOLE = "policy {name}: a W3C credential is disclosed whole: no 'claims' or 'dcql'"
TOKEN_MEMBERS = ("chain_id", "identity_registry", "token", "name")
W3C_MEMBERS = frozenset({"format", "credential_type", "rules", "max_credential_age_days"})
_KEEP = ("iss", "vct", "iat")


class CredentialTooOld(PolicyViolation):
    """The credential was issued longer ago than the policy allows."""


class InvalidCountryCode(PolicyViolation):
    """A disclosed country claim is not an assigned ISO 3166-1 alpha-2 code (issue 19
    item 1: ``XX`` passes ``not in [...]`` rules, and no registry can take it)."""


COUNTRY_CLAIMS = (
    ("address", "country"),
    ("nationalities",),
    ("investor_jurisdiction",),
    ("residenceCountry",),  # the W3C predicate credentials (ssi.w3c.predicates)
    ("investorJurisdiction",),
)
"""The claims that hold ISO 3166-1 alpha-2 codes (``nationalities`` a list of them)."""


def check_country_claims(claims: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidCountryCode` for any disclosed country claim that is not
    an assigned ISO 3166-1 alpha-2 code (:func:`ssi.country.alpha2_code`)."""
    for path in COUNTRY_CLAIMS:
        node: Any = claims
        for name in path:
            node = node.get(name) if isinstance(node, Mapping) else None
        if node is None:
            continue
        for value in node if isinstance(node, list) else [node]:
            try:
                alpha2_code(value, ".".join(path))
            except MalformedInput as exc:
                raise InvalidCountryCode(exc.description) from exc


@dataclass(frozen=True, slots=True)
class TokenTarget:
    """The ERC-3643 token a verification is for (the ``erc3643_whitelist`` fields)."""

    chain_id: str
    identity_registry: str
    token: str
    name: str

    @classmethod
    def from_dict(cls, data: object) -> TokenTarget:
        if not isinstance(data, Mapping):
            raise MalformedInput("'token' must be an object")
        if set(data) != set(TOKEN_MEMBERS):
            raise MalformedInput(f"'token' has exactly the members {', '.join(TOKEN_MEMBERS)}")
        values = [data.get(k) for k in TOKEN_MEMBERS]
        if not all(isinstance(v, str) for v in values):
            raise MalformedInput("'token' needs chain_id, identity_registry, token and name")
        chain_id, registry, token, name = (str(v) for v in values)
        target = cls(chain_id, registry, token, name)
        target.whitelist()  # strict checks (CAIP-2, EIP-55, name) from ssi.address_binding
        return target

    def whitelist(self) -> Erc3643Whitelist:
        return Erc3643Whitelist(
            (CREDENTIAL_QUERY_ID,), self.chain_id, self.identity_registry, self.token, self.name
        )

    def to_dict(self) -> dict[str, str]:
        return {
            "chain_id": self.chain_id,
            "identity_registry": self.identity_registry,
            "token": self.token,
            "name": self.name,
        }


@dataclass(frozen=True)
class Policy:
    """One named policy."""

    name: str
    vct: str
    rules: tuple[Rule, ...] = ()
    claims: tuple[tuple[str, ...], ...] = ()
    max_credential_age_days: int | None = None
    address_proof: bool = False
    token: TokenTarget | None = None
    dcql: dict[str, Any] | None = field(default=None)
    format: str = vp.FORMAT_SD_JWT_VC
    credential_type: str | None = None

    def __post_init__(self) -> None:
        if self.address_proof and self.token is None:
            raise MalformedInput(f"policy {self.name!r}: an address proof needs a 'token'")
        if self.is_w3c:
            self._check_w3c()
        elif self.format != vp.FORMAT_SD_JWT_VC:
            raise MalformedInput(
                f"policy {self.name!r}: format is 'dc+sd-jwt', 'jwt_vc_json' or 'ldp_vc'"
            )
        self.dcql_query()

    @property
    def is_w3c(self) -> bool:
        return self.format in w3c_spec.FORMATS

    def _check_w3c(self) -> None:
        name = repr(self.name)
        if self.address_proof or self.token is not None:
            raise MalformedInput(_W3C_NO_ADDRESS_PROOF.format(name=name))
        group = next((g for g in PREDICATE_GROUPS if g.type == self.credential_type), None)
        if group is None:
            known = ", ".join(g.type for g in PREDICATE_GROUPS)
            raise MalformedInput(f"policy {name}: 'credential_type' is one of {known}")
        if self.dcql is not None or self.claims:
            raise MalformedInput(_W3C_WHOLE.format(name=name))
        for rule in self.rules:
            if len(rule.path) != 1 or rule.path[0] not in group.members:
                raise MalformedInput(
                    f"policy {name}: rule {rule.text!r} reads no member of {group.type}"
                    f" ({', '.join(group.members)})"
                )

    @property
    def disclosed_paths(self) -> tuple[tuple[str, ...], ...]:
        paths = [rule.path for rule in self.rules] + list(self.claims)
        return tuple(dict.fromkeys(paths))

    def dcql_query(self) -> DcqlQuery:
        """The DCQL query of the request (§6.1, §6.3), one credential query ``kyc``."""
        if self.dcql is not None:
            return DcqlQuery.from_dict(self.dcql)
        if self.is_w3c:
            assert self.credential_type is not None
            w3c_query = credential_query(CREDENTIAL_QUERY_ID, self.credential_type, self.format)
            return DcqlQuery.from_dict({"credentials": [w3c_query]})
        query: dict[str, Any] = {
            "id": CREDENTIAL_QUERY_ID,
            "format": vp.FORMAT_SD_JWT_VC,
            "meta": {META_VCT_VALUES: [self.vct]},
        }
        if self.disclosed_paths:  # §6.1: no claims asks for no selectively disclosed claim
            query["claims"] = [{"path": list(path)} for path in self.disclosed_paths]
        return DcqlQuery.from_dict({"credentials": [query]})

    def transaction_data(self, token: TokenTarget | None = None) -> tuple[str, ...] | None:
        """The ``erc3643_whitelist`` entry, only when the policy asks for an address proof."""
        target = token or self.token
        if not self.address_proof or target is None:
            return None
        return (target.whitelist().encode(),)

    def check(self, claims: Mapping[str, Any], now: float) -> None:
        """The country codes, every rule, then the credential's age; raise a
        :class:`PolicyViolation`."""
        check_country_claims(claims)
        for rule in self.rules:
            rule.check(claims)
        if self.max_credential_age_days is not None:
            iat = claims.get("iat")
            if not isinstance(iat, int | float) or isinstance(iat, bool):
                raise CredentialTooOld("the credential has no 'iat' to check its age against")
            if now - iat > self.max_credential_age_days * 86400:
                raise CredentialTooOld(
                    f"the credential is older than {self.max_credential_age_days} days"
                )

    def retained_claims(self, claims: Mapping[str, Any]) -> dict[str, Any]:
        """What the verdict stores: the claims the policy reads, and iss/vct/iat."""
        out: dict[str, Any] = {k: claims[k] for k in _KEEP if k in claims}
        for path in self.disclosed_paths:
            node: Any = claims
            for name in path:
                node = node.get(name) if isinstance(node, Mapping) else None
            if node is not None:
                out[".".join(path)] = node
        return out

    @classmethod
    def from_dict(cls, name: str, data: object) -> Policy:
        """Read a policy strictly: an unknown member (a misspelt ``rule`` would
        silently drop every check) or a member the format does not take is refused."""
        if not isinstance(data, Mapping):
            raise MalformedInput(f"policy {name!r} must be an object")
        fmt = data.get("format", vp.FORMAT_SD_JWT_VC)
        if not isinstance(fmt, str):
            raise MalformedInput(f"policy {name!r}: 'format' is a string")
        allowed = SD_JWT_MEMBERS
        if fmt in w3c_spec.FORMATS:
            allowed = W3C_MEMBERS
            if {"address_proof", "token"} & set(data):
                raise MalformedInput(_W3C_NO_ADDRESS_PROOF.format(name=repr(name)))
            if {"claims", "dcql"} & set(data):
                raise MalformedInput(_W3C_WHOLE.format(name=repr(name)))
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise MalformedInput(
                f"policy {name!r}: unknown or unused members {unknown} (a {fmt} policy takes"
                f" {', '.join(sorted(allowed))})"
            )
        nulls = sorted(k for k, v in data.items() if v is None)
        if nulls:
            raise MalformedInput(f"policy {name!r}: {nulls} are null: leave out what is not set")
        vct, rules, claims = data.get("vct", ""), data.get("rules", []), data.get("claims", [])
        credential_type = data.get("credential_type")
        if fmt not in w3c_spec.FORMATS and (not isinstance(vct, str) or not vct):
            raise MalformedInput(f"policy {name!r} needs a 'vct'")
        if not isinstance(vct, str) or not (
            credential_type is None or isinstance(credential_type, str)
        ):
            raise MalformedInput(f"policy {name!r}: 'vct' and 'credential_type' are strings")
        if not isinstance(rules, list) or not isinstance(claims, list):
            raise MalformedInput(f"policy {name!r}: 'rules' and 'claims' are arrays")
        if len(rules) > MAX_RULES or len(claims) > MAX_RULES:
            raise MalformedInput(f"policy {name!r}: at most {MAX_RULES} rules and claims")
        if not all(
            isinstance(p, list) and p and all(isinstance(s, str) for s in p) for p in claims
        ):
            raise MalformedInput(f"policy {name!r}: 'claims' holds paths (arrays of names)")
        age = data.get("max_credential_age_days")
        if isinstance(age, float) and age.is_integer():  # JSON numbers 30 and 30.0 are one
            age = int(age)
        if age is not None and (
            not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= MAX_AGE_DAYS
        ):
            raise MalformedInput(
                f"policy {name!r}: max_credential_age_days is a whole number, 0-{MAX_AGE_DAYS}"
            )
        proof = data.get("address_proof", False)
        if not isinstance(proof, bool):
            raise MalformedInput(f"policy {name!r}: address_proof is true or false")
        dcql = data.get("dcql")
        if dcql is not None and not isinstance(dcql, dict):
            raise MalformedInput(f"policy {name!r}: dcql is a DCQL query object")
        token = data.get("token")
        try:
            parsed_rules = tuple(Rule.parse(r) for r in rules)
        except InvalidRule as exc:
            raise MalformedInput(f"policy {name!r}: {exc}") from exc
        return cls(
            name=name,
            vct=vct,
            rules=parsed_rules,
            claims=tuple(tuple(p) for p in claims),
            max_credential_age_days=age,
            address_proof=proof,
            token=None if token is None else TokenTarget.from_dict(token),
            dcql=dcql,
            format=fmt,
            credential_type=credential_type,
        )


def unknown_policy(name: object, known: Iterable[str]) -> str:
    """The refusal of an unknown policy name, listing the known ones."""
    names = ", ".join(repr(n) for n in sorted(known)) or "none"
    return f"unknown policy {name!r}: the known policies are {names}"


def read_file(path: str | Path, what: str = "policies") -> Any:
    """A TOML (``.toml``) or JSON configuration file (``what`` it is, for the
    message): a missing, unreadable or malformed one is a
    :class:`~kyc_wallet.config_files.ConfigurationError` of one line naming it."""
    return read_config_file(Path(path), what)


def load_policies(data: object) -> dict[str, dict[str, Any]]:
    """``{"policies": {name: {...}}}`` -> the policy bodies by name, each validated
    (the file's ``base_policies`` are read by :mod:`verifier.base_policies`)."""
    policies = data.get("policies") if isinstance(data, dict) else None
    if not isinstance(policies, dict):
        raise MalformedInput("the policies file needs a 'policies' table")
    assert isinstance(data, dict)
    unknown = sorted(set(data) - {"policies", "base_policies"})
    if unknown:
        raise MalformedInput(
            f"the policies file has unknown tables {unknown} (it takes 'policies' and"
            " 'base_policies')"
        )
    for name, body in policies.items():
        Policy.from_dict(name, body)
    return dict(policies)
