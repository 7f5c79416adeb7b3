"""Issue 21 item 1, receive: the wallet's core receives a credential from the
real issuer on 127.0.0.1 with no Flask app, no request and no cookie (the
context is composed by hand, :mod:`tests.wallet.core_support`). An offer
belongs to the session that opened it (issue 18): another session, a locked
one, or none, neither sees nor accepts it; a wrong PIN stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ssi.errors import InvalidGrant, InvalidRequest
from ssi.fetch import Fetcher, FetchPolicy
from tests.support import Clock, RunningIssuer, assert_no_plaintext, start_issuer
from tests.wallet.core_support import PASS, core_context
from wallet.core import WalletContext
from wallet.core.receive import AcceptOffer, OpenOffer, accept_offer, open_offer
from wallet.sessions import VaultLocked


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", Fetcher(FetchPolicy(allow_http_loopback=True)))


@pytest.fixture
def context(tmp_path: Path, issuer: RunningIssuer) -> WalletContext:
    return core_context(tmp_path / "wallet", issuer.clock)


def test_core_receive_an_offer_stores_every_copy_encrypted(
    tmp_path: Path, issuer: RunningIssuer, context: WalletContext
) -> None:
    session = context.vaults.create(PASS)
    offer = issuer.create_offer()
    now = issuer.clock()
    pending = open_offer(context, OpenOffer(session, offer["link"]), now)
    assert pending.issuer_name == "Demo KYC Provider"
    assert pending.needs_pin and pending.pin_length == len(offer["tx_code"])
    assert "18 or older" in [label for _path, label in pending.claim_labels]
    received = accept_offer(context, AcceptOffer(session, pending.id, offer["tx_code"]), now)
    assert received.issuer_name == "Demo KYC Provider"
    items = list(context.vault(session).items("credential"))
    assert [i.id for i in items] == received.item_ids and len(items) == 3  # BATCH_SIZE
    assert {i.data["claims"]["given_name"] for i in items} == {"Erika"}
    assert {i.data["issuer"] for i in items} == {issuer.url}
    assert len({i.data["holder_key"]["x"] for i in items}) == 3  # one key per copy
    assert_no_plaintext(tmp_path / "wallet", ("Erika", "Mustermann", "1990-08-12"))
    # accepted: closed, a second accept finds nothing (and stores nothing)
    with pytest.raises(InvalidRequest, match="no longer open"):
        accept_offer(context, AcceptOffer(session, pending.id, offer["tx_code"]), now)
    assert len(list(context.vault(session).items("credential"))) == 3


def test_core_receive_an_offer_belongs_to_the_session_that_opened_it(
    issuer: RunningIssuer, context: WalletContext
) -> None:
    owner = context.vaults.create(PASS)
    other = context.vaults.unlock(PASS)  # another browser session, unlocked too
    offer = issuer.create_offer()
    now = issuer.clock()
    pending = open_offer(context, OpenOffer(owner, offer["link"]), now)
    with pytest.raises(InvalidRequest, match="no longer open"):
        accept_offer(context, AcceptOffer(other, pending.id, offer["tx_code"]), now)
    for nobody in (None, "a-handle-nobody-unlocked"):
        with pytest.raises(VaultLocked):
            accept_offer(context, AcceptOffer(nobody, pending.id, offer["tx_code"]), now)
        with pytest.raises(VaultLocked):
            open_offer(context, OpenOffer(nobody, offer["link"]), now)
    assert list(context.vault(other).items("credential")) == []
    # the owner still accepts it: nothing above touched it
    accept_offer(context, AcceptOffer(owner, pending.id, offer["tx_code"]), now)
    assert len(list(context.vault(owner).items("credential"))) == 3
    # a session that locked has no offers any more
    again = open_offer(context, OpenOffer(owner, issuer.create_offer()["link"]), now)
    context.vaults.lock(owner)
    assert context.pending.count(owner) == 0
    with pytest.raises(VaultLocked):
        accept_offer(context, AcceptOffer(owner, again.id, "123456"), now)


def test_core_receive_a_wrong_pin_stores_nothing_and_leaves_the_offer_open(
    issuer: RunningIssuer, context: WalletContext
) -> None:
    session = context.vaults.create(PASS)
    offer = issuer.create_offer()
    now = issuer.clock()
    pending = open_offer(context, OpenOffer(session, offer["link"]), now)
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    with pytest.raises(InvalidGrant, match="wrong PIN"):
        accept_offer(context, AcceptOffer(session, pending.id, wrong), now)
    assert list(context.vault(session).items("credential")) == []
    with pytest.raises(InvalidRequest, match="enter the PIN"):
        accept_offer(context, AcceptOffer(session, pending.id, "  "), now)
    received = accept_offer(context, AcceptOffer(session, pending.id, offer["tx_code"]), now)
    assert len(received.item_ids) == 3


def test_core_receive_an_expired_offer_is_a_clear_error(
    tmp_path: Path, issuer: RunningIssuer
) -> None:
    # the wallet's own clock: the issuer's moves a day on, the wallet stays unlocked
    context = core_context(tmp_path / "own-clock", Clock())
    session = context.vaults.create(PASS)
    offer = issuer.create_offer()
    issuer.clock.now += issuer.app.config["OFFER_TTL"] + 1
    with pytest.raises(InvalidRequest, match="this offer has expired"):
        open_offer(context, OpenOffer(session, offer["link"]), context.clock())
    assert context.pending.count(session) == 0
