"""The freshness rules of the HTTP cache over the guarded fetcher (RFC 9111 §4.2,
§5.2, §5.3; issue 22)."""

from __future__ import annotations

import pytest

from ssi.fetch.http_cache import freshness_lifetime

NOW = 1_800_000_000.0
DATE = "Fri, 15 Jan 2027 08:00:00 GMT"  # 1800000000


@pytest.mark.parametrize(
    ("headers", "lifetime"),
    [
        ({"cache-control": "public, max-age=300"}, 300),
        ({"cache-control": "max-age=300", "age": "100"}, 200),
        ({"cache-control": "max-age=300", "age": "400"}, 0),
        ({"cache-control": 'max-age="60"'}, 60),
        ({"expires": "Fri, 15 Jan 2027 08:10:00 GMT", "date": DATE}, 600),
        ({"cache-control": "max-age=5", "expires": "Fri, 15 Jan 2027 08:10:00 GMT"}, 5),
    ],
)
def test_metadata_cache_lifetime_from_the_headers(headers: dict[str, str], lifetime: float) -> None:
    assert freshness_lifetime(headers, NOW) == lifetime


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no explicit lifetime: no heuristic freshness
        {"cache-control": "no-store, max-age=300"},
        {"cache-control": "no-cache, max-age=300"},
        {"cache-control": "max-age=300", "vary": "*"},
        {"cache-control": "max-age=300, max-age=60"},  # twice: stale (§4.2.1)
        {"cache-control": "max-age=-1"},
        {"cache-control": "max-age=soon"},
        {"expires": "0"},  # invalid: in the past (§5.3)
        {"expires": f"{DATE}, {DATE}"},
    ],
)
def test_metadata_cache_stores_nothing_without_a_valid_lifetime(headers: dict[str, str]) -> None:
    assert freshness_lifetime(headers, NOW) == 0
