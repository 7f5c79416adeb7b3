"""Sending the Authorization Response (OpenID4VP 1.0 §8.2 ``direct_post``,
§8.3 ``direct_post.jwt`` encrypted to the verifier's key) and reading the
verifier's answer: a refusal becomes ``AccessDenied`` with its description,
and its ``redirect_uri`` (optional, §8.2) is kept only when it is a URL the
browser may be sent to (https; http to loopback in development).

An error response (§8.5) carries only the code and the ``state``; it is sent
without encryption (§8.3 allows it; it holds no personal data)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ssi.errors import AccessDenied, InvalidRequest, SSIError
from ssi.fetch import Fetcher
from ssi.oid4vp import (
    AuthorizationErrorResponse,
    AuthorizationRequest,
    AuthorizationResponse,
    encrypt_response,
    spec,
)

__all__ = ["redirect_target", "send_error", "send_response"]

_MAX_REDIRECT = 2000
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _post(fetcher: Fetcher, request: AuthorizationRequest, form: dict[str, str]) -> Any:
    if request.response_uri is None:
        raise InvalidRequest("the request names no response_uri")
    answer = fetcher.post(request.response_uri, data=form, raise_for_status=False)
    try:
        body = answer.json() if answer.body else {}
    except SSIError:
        body = {}
    return answer.status, body


def send_response(
    fetcher: Fetcher, request: AuthorizationRequest, response: AuthorizationResponse
) -> Any:
    """Post the response to ``response_uri``; the verifier's JSON answer, or raise."""
    if request.response_mode == spec.RESPONSE_MODE_DIRECT_POST_JWT:
        if request.client_metadata is None:
            raise InvalidRequest("direct_post.jwt needs the verifier's client_metadata")
        form = {"response": encrypt_response(response, request.client_metadata)}
    else:
        form = response.to_form()
    status, body = _post(fetcher, request, form)
    if not 200 <= status < 300:
        description = body.get("error_description") if isinstance(body, dict) else None
        raise AccessDenied(
            f"the verifier refused the presentation: {description or f'HTTP {status}'}"
        )
    return body


def send_error(fetcher: Fetcher, request: AuthorizationRequest, error: str) -> Any:
    """Post the error response ``error`` (§8.5) with the request's ``state``; the
    verifier's JSON answer, or ``None`` when it did not take it (nothing to retry)."""
    response = AuthorizationErrorResponse.from_wallet(error, request.state)
    try:
        status, body = _post(fetcher, request, response.to_form())
    except SSIError:
        return None
    return body if 200 <= status < 300 else None


def redirect_target(answer: Any, *, allow_http_loopback: bool) -> str | None:
    """The answer's ``redirect_uri`` if the browser may follow it, else ``None``."""
    value = answer.get("redirect_uri") if isinstance(answer, dict) else None
    if not isinstance(value, str) or len(value) > _MAX_REDIRECT:
        return None
    if _PRINTABLE.fullmatch(value) is None:
        return None
    parts = urlsplit(value)
    if not parts.hostname:
        return None
    if parts.scheme == "https":
        return value
    if parts.scheme == "http" and allow_http_loopback and parts.hostname in _LOOPBACK:
        return value
    return None
