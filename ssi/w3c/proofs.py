"""didkit 0.3.3 as the signer and proof verifier of W3C credentials and presentations.

Each function is synchronous and runs didkit's coroutine on the shared loop
(:mod:`.runtime`); a non-empty ``errors`` list raises (``InvalidSignature``,
or ``MalformedInput`` for a JSON-LD expansion failure). These functions check
the proof only: dates, issuer trust, subject binding, nonce and audience are
checked by :mod:`.credential` and :mod:`.presentation`, because didkit
ignores some of them (LDP: ``expirationDate``, a future ``issuanceDate``).

Proof options (didkit ``LinkedDataProofOptions``): ``proofFormat`` ``jwt``
(VC-JWT, VC DM 1.1 §6.3.1) or ``ldp`` (Data Integrity); for presentations,
``challenge`` becomes the VP-JWT ``nonce`` / the proof's ``challenge`` and
``domain`` the ``aud`` / ``domain`` (OpenID4VP 1.0 Appendix B.1.3.1.5, B.1.3.2.5).
"""

from __future__ import annotations

import json
from typing import Any

import didkit

from ..encoding import json_loads_object
from . import spec
from .runtime import check_result, didkit_errors, run
from .signer import DidSigner

__all__ = [
    "PROOF_FORMAT",
    "sign_credential",
    "sign_presentation",
    "verify_credential_proof",
    "verify_presentation_proof",
]

PROOF_FORMAT = {spec.FORMAT_JWT_VC_JSON: "jwt", spec.FORMAT_LDP_VC: "ldp"}
"""didkit's ``proofFormat`` for each OpenID4VP format id."""


def _options(signer: DidSigner, fmt: str, purpose: str, **extra: str) -> str:
    options: dict[str, Any] = {
        "proofPurpose": purpose,
        "verificationMethod": signer.verification_method,
        "proofFormat": PROOF_FORMAT[fmt],
        **extra,
    }
    if fmt == spec.FORMAT_LDP_VC:
        options["type"] = signer.proof_type
    return json.dumps(options)


def _signed(output: str, fmt: str) -> str | dict[str, Any]:
    """VC-JWT / VP-JWT stay compact strings; LDP documents become JSON objects."""
    if fmt == spec.FORMAT_JWT_VC_JSON:
        return output
    return json_loads_object(output, "didkit output")


def sign_credential(document: dict[str, Any], signer: DidSigner, fmt: str) -> str | dict[str, Any]:
    """Sign an unsigned VC DM 1.1 credential as a VC-JWT (``jwt_vc_json``) or LDP VC."""
    with didkit_errors("issuing the credential"):
        output = run(
            didkit.issue_credential,
            json.dumps(document),
            _options(signer, fmt, spec.PURPOSE_ASSERTION),
            signer.private_jwk_json(),
        )
    return _signed(output, fmt)


def sign_presentation(
    document: dict[str, Any], signer: DidSigner, fmt: str, *, challenge: str, domain: str
) -> str | dict[str, Any]:
    """Sign a presentation bound to ``challenge`` (the nonce) and ``domain`` (the client id)."""
    options = _options(signer, fmt, spec.PURPOSE_AUTHENTICATION, challenge=challenge, domain=domain)
    with didkit_errors("signing the presentation"):
        output = run(
            didkit.issue_presentation, json.dumps(document), options, signer.private_jwk_json()
        )
    return _signed(output, fmt)


def _encode(credential: str | dict[str, Any]) -> str:
    return credential if isinstance(credential, str) else json.dumps(credential)


def verify_credential_proof(credential: str | dict[str, Any], fmt: str) -> None:
    """didkit verifies the VC-JWT signature or the Data Integrity proof; raises on errors."""
    options = json.dumps({"proofFormat": PROOF_FORMAT[fmt], "proofPurpose": spec.PURPOSE_ASSERTION})
    with didkit_errors("verifying the credential"):
        result = run(didkit.verify_credential, _encode(credential), options)
    check_result(result, "the credential's proof does not verify")


def verify_presentation_proof(
    presentation: str | dict[str, Any], fmt: str, *, challenge: str, domain: str
) -> None:
    """didkit verifies the presentation's proof, with its ``challenge`` and ``domain``."""
    options = json.dumps(
        {
            "proofFormat": PROOF_FORMAT[fmt],
            "proofPurpose": spec.PURPOSE_AUTHENTICATION,
            "challenge": challenge,
            "domain": domain,
        }
    )
    with didkit_errors("verifying the presentation"):
        result = run(didkit.verify_presentation, _encode(presentation), options)
    check_result(result, "the presentation's proof does not verify")
