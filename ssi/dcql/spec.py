"""Every wire string of the Digital Credentials Query Language that ``ssi`` uses.

OpenID for Verifiable Presentations 1.0 §6 (DCQL) and Appendix B ("Credential
Format Specific Parameters and Rules"): the Credential Format Identifiers a
Credential Query's ``format`` takes and the ``meta`` member each format requires.
https://openid.net/specs/openid-4-verifiable-presentations-1_0.html#section-6

DCQL is part of OpenID4VP, but :mod:`ssi.oid4vp` builds on :mod:`ssi.dcql`, not
the other way round: these names live here and :mod:`ssi.oid4vp.spec` re-exports
the format identifiers.
"""

from __future__ import annotations

from typing import Final

# --- Credential Format Identifiers (Appendix B) ----------------------------------

FORMAT_SD_JWT_VC: Final = "dc+sd-jwt"
"""Appendix B.3 "IETF SD-JWT VC", "Format Identifier"."""
FORMAT_JWT_VC_JSON: Final = "jwt_vc_json"
"""Appendix B.1 "VC signed as a JWT, not using JSON-LD"."""
FORMAT_LDP_VC: Final = "ldp_vc"
"""Appendix B.1 "LDP VCs"."""
FORMAT_MSO_MDOC: Final = "mso_mdoc"
"""Appendix B.2 "Mobile Documents or mdocs"."""

# --- the Credential Query's ``meta`` member, per format (§6.1, Appendix B) --------

META_VCT_VALUES: Final = "vct_values"
"""SD-JWT VC: the ``vct`` values accepted (a non-empty array of strings)."""
META_DOCTYPE_VALUE: Final = "doctype_value"
"""mdoc: the doctype requested (a string)."""
META_TYPE_VALUES: Final = "type_values"
"""W3C VC: alternatives, each an array of fully expanded types that must all be present."""
