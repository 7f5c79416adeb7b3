"""The two requests of one verification (docs/specs/openid4vp.md): the
cross-device one (QR code, with the ``verification_code``) and the same-device
one (its own ``state``, no code), each with its own ``request_uri``; a response's
``state`` says which it answers (OpenID4VP 1.0 §5.10, §8.2)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import replace
from functools import lru_cache
from typing import Any

from ssi.errors import InvalidRequest
from ssi.oid4vp import AuthorizationRequest
from ssi.oid4vp import spec as vp

from ..policies import Policy

__all__ = [
    "ENC_VALUES",
    "FLOW_CROSS_DEVICE",
    "FLOW_SAME_DEVICE",
    "flow_of",
    "load_policy",
    "load_request",
    "remember_request",
    "same_device",
]

FLOW_CROSS_DEVICE = "cross_device"
FLOW_SAME_DEVICE = "same_device"
ENC_VALUES = [vp.ENC_A128GCM, vp.ENC_A256GCM]


def same_device(request: AuthorizationRequest, state: str | None) -> AuthorizationRequest:
    """The same-device request: its own ``state``, no ``verification_code`` (nothing
    to compare: the button leaves the page that would show it)."""
    return replace(request, state=state or request.state, verification_code=None)


_CACHED = 1024
_requests: OrderedDict[str, AuthorizationRequest] = OrderedDict()
_requests_lock = threading.Lock()


def remember_request(request_json: str, request: AuthorizationRequest) -> None:
    """Keep the request just stored as ``request_json``: the response to it, in this
    process, needs no second parse (the last :data:`_CACHED` are kept; the objects
    are frozen and only read)."""
    with _requests_lock:
        _requests[request_json] = request
        while len(_requests) > _CACHED:
            _requests.popitem(last=False)


def _request(request_json: str) -> AuthorizationRequest:
    with _requests_lock:
        cached = _requests.get(request_json)
    if cached is not None:
        return cached
    request = AuthorizationRequest.from_dict(json.loads(request_json))
    remember_request(request_json, request)
    return request


@lru_cache(maxsize=256)
def load_policy(policy_json: str) -> Policy:
    """The policy stored with a verification (``{"name", "body"}``), compiled once
    per process for each distinct text (most verifications share a few policies)."""
    stored = json.loads(policy_json)
    return Policy.from_dict(stored["name"], stored["body"])


def load_request(row: Any, flow: str = FLOW_CROSS_DEVICE) -> AuthorizationRequest:
    """The request of ``flow`` (each has its own ``state``)."""
    request = _request(row["request_json"])
    if flow == FLOW_SAME_DEVICE:
        return same_device(request, row["same_device_state"])
    return request


def flow_of(row: Any, state: str | None) -> str:
    """Which flow's request a response with ``state`` answers; raise if neither."""
    if state is not None and state == row["state"]:
        return FLOW_CROSS_DEVICE
    if state is not None and state == row["same_device_state"]:
        return FLOW_SAME_DEVICE
    raise InvalidRequest("the response's state is not this transaction's")
