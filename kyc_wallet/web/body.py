"""The JSON object body of an API request, read as strictly as any input from
outside (``ssi.encoding.json_loads``: no duplicate member names, no NaN or
Infinity, no lone surrogate, a size cap), so a client mistake is a 400 with a
reason and never reaches storage as text SQLite or UTF-8 cannot hold."""

from __future__ import annotations

from typing import Any

from flask import request

from ssi.encoding import MAX_JSON_BYTES, json_loads_object
from ssi.errors import InvalidRequest, MalformedInput, SSIError

__all__ = ["json_object_body"]


def json_object_body(
    what: str = "the request body", error: type[SSIError] = InvalidRequest
) -> dict[str, Any]:
    """The request body as a JSON object; ``error`` (the endpoint's OAuth error,
    :class:`InvalidRequest` unless its protocol names another) otherwise."""
    if not request.is_json:
        raise error(f"{what} must be JSON (Content-Type: application/json)")
    try:
        return json_loads_object(request.get_data(cache=True), what, MAX_JSON_BYTES)
    except MalformedInput as exc:
        raise error(str(exc)) from exc
