"""The one typed accessor of the verifier's context in a request (or an app
context): ``app.extensions["verifier"]``, built by ``create_app``."""

from __future__ import annotations

from flask import current_app

from .core.context import VerifierContext

__all__ = ["context"]


def context() -> VerifierContext:
    ctx: VerifierContext = current_app.extensions["verifier"]
    return ctx
