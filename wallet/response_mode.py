"""Sending the Authorization Response (OpenID4VP 1.0 §8.2 ``direct_post``,
§8.3 ``direct_post.jwt`` encrypted to the verifier's key) and reading the
verifier's answer: a refusal becomes ``AccessDenied`` with its description."""

from __future__ import annotations

from typing import Any

from ssi.errors import AccessDenied, InvalidRequest, SSIError
from ssi.fetch import Fetcher
from ssi.oid4vp import AuthorizationRequest, AuthorizationResponse, encrypt_response, spec

__all__ = ["send_response"]


def send_response(
    fetcher: Fetcher, request: AuthorizationRequest, response: AuthorizationResponse
) -> Any:
    """Post the response to ``response_uri``; the verifier's JSON answer, or raise."""
    if request.response_uri is None:
        raise InvalidRequest("the request names no response_uri")
    if request.response_mode == spec.RESPONSE_MODE_DIRECT_POST_JWT:
        if request.client_metadata is None:
            raise InvalidRequest("direct_post.jwt needs the verifier's client_metadata")
        form = {"response": encrypt_response(response, request.client_metadata)}
    else:
        form = response.to_form()
    answer = fetcher.post(request.response_uri, data=form, raise_for_status=False)
    try:
        body = answer.json() if answer.body else {}
    except SSIError:
        body = {}
    if not 200 <= answer.status < 300:
        description = body.get("error_description") if isinstance(body, dict) else None
        raise AccessDenied(
            f"the verifier refused the presentation: {description or f'HTTP {answer.status}'}"
        )
    return body
