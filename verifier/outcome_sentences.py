"""What the investor reads after answering: the outcome, the whitelisting's
progress and a refusal's reason, in plain words (issue 20 item 2).

The status views (:mod:`verifier.service`) speak the protocol: ``refused`` with
``reason.code`` ``CredentialRevoked``, a whitelisting ``state`` ``sent``. The
investor's pages show "Your credential has been revoked by the KYC provider"
and "Being added on chain", with the code in small print for support; the raw
claims and the transactions are on the operator's verification page only.

No Flask here: each sentence is a whole template (``N_``), translated with the
caller's ``translate`` before its values go in (:mod:`verifier.rule_sentences`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ssi.errors import SSIError

from .rule_sentences import N_, Translate, rule_sentence
from .rules import Rule

__all__ = [
    "REASONS",
    "outcome_messages",
    "refusal_sentence",
    "whitelisting_sentence",
]

VERIFIED_CAN_HOLD = N_("Verified: your address {address} can now hold {token}")
VERIFIED_BEING_ADDED = N_(
    "Verified: your address {address} can hold {token} as soon as it is added on chain"
)
VERIFIED_NOT_ADDED = N_("Verified, but your address {address} could not be added to {token} yet")
VERIFIED = N_("Verified: the platform accepted your KYC credential")
NOT_VERIFIED = N_("Not verified")
WAITING = N_("Waiting for your wallet to answer")
EXPIRED = N_("This request has expired: start again from the token page")
ANSWERED_ELSEWHERE = N_(
    "Answered by the wallet on the device that opened the link: the result is shown there"
)

WL_WAITING = N_("Waiting to be added to the list of verified investors")
WL_SENT = N_("Being added on chain: waiting for confirmation")
WL_ADDED = N_("Added to the list of verified investors")
WL_FAILED = N_("Could not be added on chain yet: the platform has been told and will see to it")
_WHITELISTING = {
    "recorded": WL_WAITING,
    "queued": WL_WAITING,
    "sent": WL_SENT,
    "done": WL_ADDED,
    "failed": WL_FAILED,
}

REVOKED = N_("Your credential has been revoked by the KYC provider")
SUSPENDED = N_("Your credential has been suspended by the KYC provider: ask them why")
STATUS_UNREACHABLE = N_(
    "The platform could not check with your KYC provider that your credential is still"
    " valid: try again later"
)
NOT_SHARED = N_("Your wallet did not share everything this token needs: try again and share it all")
CONDITIONS_NOT_MET = N_("Your credential does not meet this token's conditions")
CONDITION_NOT_MET = N_("Your credential does not meet this condition of the token: {condition}")
COUNTRY_EXCLUDED = N_("This token is not available to residents of your country")
JURISDICTION_EXCLUDED = N_("This token is not available to investors under your jurisdiction")
CLASS_EXCLUDED = N_("This token is not available to your investor classification")
TOO_OLD = N_("Your KYC credential is too old for this token: ask your KYC provider for a new one")
BAD_COUNTRY = N_(
    "Your credential's country is not one the platform recognises: ask your KYC provider to"
    " correct it"
)
NO_ADDRESS_PROOF = N_("Your wallet did not prove that you control the address: try again")
ADDRESS_PROOF_MISMATCH = N_(
    "Your wallet's proof of your address does not match this request: start again from the"
    " token page"
)
ADDRESS_PROOF_LATE = N_(
    "Your wallet's proof of your address came too late: start again from the token page"
)
ALREADY_ANSWERED = N_("This request was already answered: start again from the token page")
UNTRUSTED_ISSUER = N_("This platform does not accept credentials from your KYC provider")
EXPIRED_CREDENTIAL = N_(
    "Your credential has expired, or your wallet answered too late: start again from the token page"
)
NOT_VERIFIABLE = N_("Your wallet's answer could not be verified: start again from the token page")
DECLINED = N_("The request was declined in the wallet")
UNKNOWN_REASON = N_("The platform could not accept your credential")

_MISMATCH = (
    "TransactionDataHashMismatch",
    "SignerMismatch",
    "AddressMismatch",
    "BadChecksum",
    "DomainMismatch",
    "UriMismatch",
    "ChainMismatch",
    "NonceMismatch",
    "RequestIdMismatch",
    "ResourcesMismatch",
    "AudienceMismatch",
    "MalformedSiweMessage",
    "AddressProofError",
)
_FETCH = (
    "FetchError",
    "FetchHTTPStatus",
    "FetchTimeout",
    "FetchBlocked",
    "FetchRedirect",
    "FetchTooLarge",
    "WrongMediaType",
    "ResolutionError",
)
REASONS: dict[str, str] = {
    "CredentialRevoked": REVOKED,
    "CredentialSuspended": SUSPENDED,
    **dict.fromkeys(_FETCH, STATUS_UNREACHABLE),
    "QueryNotSatisfied": NOT_SHARED,
    "RuleFailed": CONDITIONS_NOT_MET,
    "PolicyViolation": CONDITIONS_NOT_MET,
    "CredentialTooOld": TOO_OLD,
    "InvalidCountryCode": BAD_COUNTRY,
    "AddressProofMissing": NO_ADDRESS_PROOF,
    "InvalidTransactionData": NO_ADDRESS_PROOF,
    **dict.fromkeys(_MISMATCH, ADDRESS_PROOF_MISMATCH),
    "MessageExpired": ADDRESS_PROOF_LATE,
    "ReplayDetected": ALREADY_ANSWERED,
    "UntrustedIssuer": UNTRUSTED_ISSUER,
    "TimeInvalid": EXPIRED_CREDENTIAL,
    "VerificationError": NOT_VERIFIABLE,
    "access_denied": DECLINED,
}
"""Refusal reason codes (the ``SSIError`` class names a verdict records,
docs/verifier.md) and their sentences; a code not listed takes the sentence of
its nearest listed base class, else :data:`UNKNOWN_REASON`."""

_RULE_REASONS = {
    "address.country": COUNTRY_EXCLUDED,
    "residenceCountry": COUNTRY_EXCLUDED,
    "investor_jurisdiction": JURISDICTION_EXCLUDED,
    "investorJurisdiction": JURISDICTION_EXCLUDED,
    "investor_classification": CLASS_EXCLUDED,
    "investorClassification": CLASS_EXCLUDED,
}


def _subclasses(cls: type) -> Iterable[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _template(code: str) -> str:
    if code in REASONS:
        return REASONS[code]
    for cls in _subclasses(SSIError):
        if cls.__name__ == code:
            for base in cls.__mro__:
                if base.__name__ in REASONS:
                    return REASONS[base.__name__]
    return UNKNOWN_REASON


def _failed_rule(description: str | None, rules: Iterable[Rule]) -> Rule | None:
    """The rule a ``RuleFailed`` description names (``rule '<text>' ...``)."""
    if not description:
        return None
    return next((r for r in rules if f"rule {r.text!r}" in description), None)


def refusal_sentence(
    code: str | None,
    description: str | None = None,
    rules: Iterable[Rule] = (),
    translate: Translate = N_,
) -> str:
    """The reason of a refusal in words. With the description and the policy's rules,
    a failed rule is named ("This token is not available to residents of your
    country"); without (the cross-device status), the code's sentence only."""
    if code == "RuleFailed":
        rule = _failed_rule(description, rules)
        if rule is not None:
            specific = _RULE_REASONS.get(".".join(rule.path))
            if specific is not None:
                return translate(specific)
            return translate(CONDITION_NOT_MET).format(condition=rule_sentence(rule, translate))
    return translate(_template(code or ""))


def whitelisting_sentence(state: str | None, translate: Translate = N_) -> str | None:
    """The whitelisting's progress ("Being added on chain"), not its transactions."""
    if state is None:
        return None
    return translate(_WHITELISTING.get(state, WL_WAITING))


def outcome_messages(
    view: Mapping[str, Any],
    short_address: str | None,
    token: str | None,
    *,
    description: str | None = None,
    rules: Iterable[Rule] = (),
    translate: Translate = N_,
) -> dict[str, str | None]:
    """The headline, the whitelisting's progress, and a refusal's reason and code of
    a status view (``status``, ``reason``, ``whitelisting``: :mod:`verifier.service`)."""
    status = view.get("status")
    whitelisting = view.get("whitelisting") or {}
    state = whitelisting.get("state")
    reason = view.get("reason") or {}
    out: dict[str, str | None] = {
        "headline": None,
        "whitelisting": whitelisting_sentence(state, translate),
        "reason": None,
        "reason_code": None,
    }
    if status == "verified":
        if state is None or not short_address or not token:
            out["headline"] = translate(VERIFIED)
        else:
            template = {"done": VERIFIED_CAN_HOLD, "failed": VERIFIED_NOT_ADDED}.get(
                state, VERIFIED_BEING_ADDED
            )
            out["headline"] = translate(template).format(address=short_address, token=token)
    elif status == "refused":
        out["headline"] = translate(NOT_VERIFIED)
        code = reason.get("code")
        if code is not None:  # a same-device answer seen on the QR page has none
            out["reason"] = refusal_sentence(code, description, rules, translate)
            out["reason_code"] = code
    elif status == "done":
        out["headline"] = translate(ANSWERED_ELSEWHERE)
    elif status == "expired":
        out["headline"] = translate(EXPIRED)
    else:
        out["headline"] = translate(WAITING)
    return out
