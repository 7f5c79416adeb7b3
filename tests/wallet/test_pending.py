"""Issue 18, "Also": open offers and requests belong to the browser session
that opened them, at most 10 per session and 100 in all, each for at most 10
minutes (or the request's own expiry); a full store refuses new ones with a
clear page and never drops the owner's. (Before, one dictionary for the whole
process grew by 80 MB under 1,500 GETs of a cross-site page.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ssi.fetch import Fetcher, FetchPolicy
from tests.support import Clock, RunningIssuer, start_issuer
from tests.wallet.test_receive_e2e import PASS, create_wallet, csrf, make_wallet
from wallet.pending import PendingFull, PendingStore
from wallet.web_context import wallet_context


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", Fetcher(FetchPolicy(allow_http_loopback=True)))


@dataclass
class Request:
    expires_at: float


def test_pending_store_caps_each_session_and_never_drops_an_entry() -> None:
    clock = Clock()
    store = PendingStore(clock)
    for n in range(10):
        store.add("owner", "offer", f"o{n}", n)
    with pytest.raises(PendingFull, match="10 offers and requests are open"):
        store.add("owner", "offer", "o10", 10)
    with pytest.raises(PendingFull):
        store.add("owner", "request", "r0", "a request counts too")
    assert [store.get("owner", "offer", f"o{n}") for n in range(10)] == list(range(10))
    assert store.pop("owner", "offer", "o3") == 3
    store.add("owner", "offer", "o10", 10)  # room again


def test_pending_store_caps_all_sessions_together() -> None:
    store = PendingStore(Clock())
    for session in range(10):
        for n in range(10):
            store.add(f"s{session}", "offer", f"o{n}", (session, n))
    with pytest.raises(PendingFull, match="too many offers and requests open"):
        store.add("s10", "offer", "o0", "one more")
    assert store.count() == 100
    assert all(store.get(f"s{s}", "offer", "o9") == (s, 9) for s in range(10))


def test_pending_entries_expire_after_ten_minutes_or_their_own_expiry() -> None:
    clock = Clock()
    store = PendingStore(clock)
    store.add("owner", "offer", "long", "an offer")
    store.add("owner", "request", "short", Request(expires_at=clock.now + 60))
    clock.now += 60
    assert store.get("owner", "request", "short") is None  # the request's exp
    assert store.get("owner", "offer", "long") == "an offer"
    clock.now += 540
    assert store.get("owner", "offer", "long") is None  # 10 minutes
    assert store.count() == 0


def test_pending_entries_are_seen_only_by_their_session_and_kind() -> None:
    store = PendingStore(Clock())
    store.add("owner", "offer", "o1", "the owner's offer")
    assert store.get("other", "offer", "o1") is None
    assert store.pop("other", "offer", "o1") is None
    assert store.get("owner", "request", "o1") is None  # an offer id is not a request id
    store.forget("owner")  # the session locked
    assert store.get("owner", "offer", "o1") is None


def open_offer(client: FlaskClient, issuer: RunningIssuer) -> tuple[str, str]:
    offer = issuer.create_offer()
    same_device = offer["same_device_link"].split("127.0.0.1:5002", 1)[1]
    page = client.get(same_device)
    assert page.status_code == 200, page.get_data(as_text=True)
    found = re.search(r"/offer/([^/]+)/accept", page.get_data(as_text=True))
    assert found
    return found.group(1), offer["tx_code"]


def second_unlocked_session(client: FlaskClient) -> str:
    token = csrf(client, "/unlock")
    assert client.post("/unlock", data={"passphrase": PASS, "csrf_token": token}).status_code == 302
    return csrf(client, "/receive")


def test_pending_offer_cannot_be_answered_by_another_session(
    tmp_path: Path, issuer: RunningIssuer
) -> None:
    wallet = make_wallet(tmp_path / "wallet", issuer.clock)
    owner = wallet.test_client()
    token = create_wallet(owner)
    offer_id, pin = open_offer(owner, issuer)
    other = wallet.test_client()  # the owner's second browser, unlocked on its own
    other_token = second_unlocked_session(other)
    taken = other.post(f"/offer/{offer_id}/accept", data={"pin": pin, "csrf_token": other_token})
    assert taken.status_code == 400
    assert "no longer open here" in taken.get_data(as_text=True)
    accepted = owner.post(f"/offer/{offer_id}/accept", data={"pin": pin, "csrf_token": token})
    assert accepted.status_code == 302, accepted.get_data(as_text=True)


def test_pending_offers_full_session_gets_a_clear_page_and_keeps_its_offers(
    tmp_path: Path, issuer: RunningIssuer
) -> None:
    wallet = make_wallet(tmp_path / "wallet", issuer.clock)
    owner = wallet.test_client()
    token = create_wallet(owner)
    opened = [open_offer(owner, issuer) for _ in range(10)]
    offer = issuer.create_offer()
    refused = owner.get(offer["same_device_link"].split("127.0.0.1:5002", 1)[1])
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "10 offers and requests are open in this browser session" in text
    first_id, first_pin = opened[0]
    accepted = owner.post(f"/offer/{first_id}/accept", data={"pin": first_pin, "csrf_token": token})
    assert accepted.status_code == 302, accepted.get_data(as_text=True)


def test_pending_offers_of_a_locked_session_are_forgotten(
    tmp_path: Path, issuer: RunningIssuer
) -> None:
    wallet = make_wallet(tmp_path / "wallet", issuer.clock)
    owner = wallet.test_client()
    token = create_wallet(owner)
    open_offer(owner, issuer)
    assert wallet_context(wallet).pending.count() == 1
    owner.post("/lock", data={"csrf_token": token})
    assert wallet_context(wallet).pending.count() == 0
