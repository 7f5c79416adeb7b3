"""The token platform's verifier: OpenID4VP 1.0 requests, presentation checks,
policies, whitelisting intents and the platform API (ARCHITECTURE.md)."""

from .app import DEFAULTS, create_app
from .policies import Policy, TokenTarget
from .presentation import Accepted, check_authorization_response
from .rules import Rule, RuleFailed
from .trust import TrustList, load_trust_list

__all__ = [
    "DEFAULTS",
    "Accepted",
    "Policy",
    "Rule",
    "RuleFailed",
    "TokenTarget",
    "TrustList",
    "check_authorization_response",
    "create_app",
    "load_trust_list",
]
