"""Issue 21 item 1, present: the wallet's core, with no Flask app, no request
and no cookie, receives the KYC credential from the real issuer and presents
it to the real verifier (its ``same_device_link``; with the address proof for
a whitelisting policy), which verifies it; and to a listening verifier, which
sees a decline. A request belongs to the session that opened it (issue 18)
and is answered at most once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ssi.errors import InvalidRequest
from tests.support import RunningIssuer
from tests.verifier import conftest as verifier_fixtures
from tests.verifier.conftest import VCT, RunningVerifier
from tests.wallet.core_support import PASS, core_context
from tests.wallet.listening_verifier import ListeningVerifier, listening_verifier
from wallet.accounts import import_account
from wallet.core import WalletContext
from wallet.core.present import (
    Consent,
    ConsentScreen,
    Decline,
    History,
    Landing,
    OpenRequest,
    consent,
    decline,
    history,
    landing,
    open_request,
)
from wallet.core.receive import AcceptOffer, OpenOffer, accept_offer, open_offer
from wallet.sessions import VaultLocked

# the real issuer and the real verifier on 127.0.0.1 (tests/verifier/conftest.py)
fetcher = verifier_fixtures.fetcher
issuer = verifier_fixtures.issuer
start_verifier = verifier_fixtures.start_verifier
verifier_database = verifier_fixtures.verifier_database
verifier = verifier_fixtures.verifier

IMPORTED_KEY = "0x" + "77" * 32
ADDRESS = "0xAe72A48c1a36bd18Af168541c53037965d26e4A8"  # of key 0x77…
DCQL = {
    "credentials": [
        {
            "id": "kyc",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["kyc_level"]}],
        }
    ]
}


def holding_wallet(
    folder: Path, issuer: RunningIssuer, roots_of: x509.Certificate
) -> tuple[WalletContext, str]:
    """A wallet (its context, and the session that created it) trusting the CA
    ``roots_of`` (a certificate), holding the issuer's KYC credential."""
    folder.mkdir(parents=True)
    roots = folder / "roots.pem"
    roots.write_bytes(roots_of.public_bytes(Encoding.PEM))
    context = core_context(folder / "wallet", issuer.clock, roots=roots)
    session = context.vaults.create(PASS)
    offer = issuer.create_offer()
    now = issuer.clock()
    pending = open_offer(context, OpenOffer(session, offer["link"]), now)
    accept_offer(context, AcceptOffer(session, pending.id, offer["tx_code"]), now)
    return context, session


def share(context: WalletContext, session: str, screen: ConsentScreen) -> Consent:
    """Consent with the first option of each query, and the first address if asked."""
    chosen = {query.id: query.options[0].item.id for query in screen.queries}
    address = screen.accounts[0].address if screen.pending.whitelist else None
    return Consent(session, screen.pending.id, chosen, address)


@pytest.mark.parametrize("policy", ["kyc", "solar7"])
def test_core_present_to_the_real_verifier(
    tmp_path: Path, issuer: RunningIssuer, verifier: RunningVerifier, policy: str
) -> None:
    context, session = holding_wallet(tmp_path / "investor", issuer, verifier.ca)
    import_account(context.vault(session), IMPORTED_KEY, "main")
    created = verifier.create(policy)
    now = issuer.clock()
    screen = open_request(context, OpenRequest(session, created["same_device_link"]), now)
    assert screen.pending.refusal is None and screen.pending.trusted
    identity = screen.pending.identity  # no organisation in its certificate: no name
    assert identity.name is None and identity.host == "127.0.0.1" and identity.anchored
    assert identity.checked == "Certificate checked against your trusted list (Test Root)."
    (query,) = screen.queries
    assert len(query.options) == 1  # three copies, one credential
    shown = {row.label for row in query.options[0].release.shown}
    assert "KYC level (1-3)" in shown and "Family name" not in shown  # what the policy needs
    assert (screen.pending.whitelist is not None) == (policy == "solar7")
    answered = consent(context, share(context, session, screen), now)
    assert answered.outcome is not None and answered.outcome.shared
    assert answered.outcome.redirect_uri is not None
    assert answered.outcome.redirect_uri.startswith(
        f"{verifier.url}/verifications/{created['id']}/done?response_code="
    )
    result = verifier.result(created["id"])
    assert result["status"] == "verified", result
    assert result["claims"]["kyc_level"] == 2
    if policy == "solar7":
        assert result["address"] == ADDRESS
    # the landing page's answer, the history, and no second answer
    assert landing(context, Landing(session, answered.id), now).outcome == answered.outcome
    (entry,) = history(context, History(session), now)
    assert entry.data["verifier"] == screen.pending.client_id
    assert entry.data["address"] == (ADDRESS if policy == "solar7" else None)
    with pytest.raises(InvalidRequest, match="no longer open"):
        consent(context, share(context, session, screen), now)


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[ListeningVerifier]:
    with listening_verifier(tmp_path / "listener") as running:
        yield running


def test_core_present_a_request_belongs_to_the_session_that_opened_it(
    tmp_path: Path, issuer: RunningIssuer, listener: ListeningVerifier
) -> None:
    ca = x509.load_pem_x509_certificate(listener.roots.read_bytes())
    context, owner = holding_wallet(tmp_path / "investor", issuer, ca)
    other = context.vaults.unlock(PASS)  # another browser session, unlocked too
    now = issuer.clock()
    screen = open_request(context, OpenRequest(owner, listener.link(DCQL)), now)
    theirs = Consent(other, screen.pending.id, share(context, owner, screen).chosen, None)
    with pytest.raises(InvalidRequest, match="no longer open"):
        consent(context, theirs, now)
    with pytest.raises(InvalidRequest, match="no longer open"):
        decline(context, Decline(other, screen.pending.id), now)
    for nobody in (None, "a-handle-nobody-unlocked"):
        with pytest.raises(VaultLocked):
            consent(context, Consent(nobody, screen.pending.id, theirs.chosen, None), now)
        with pytest.raises(VaultLocked):
            open_request(context, OpenRequest(nobody, listener.link(DCQL)), now)
    assert listener.responses == []  # nothing was sent
    answered = consent(context, share(context, owner, screen), now)
    assert answered.outcome is not None and answered.outcome.shared
    assert len(listener.responses) == 1 and "vp_token" in listener.responses[0]
    with pytest.raises(InvalidRequest, match="no answered request"):
        landing(context, Landing(other, answered.id), now)


def test_core_present_decline_tells_the_verifier_once(
    tmp_path: Path, issuer: RunningIssuer, listener: ListeningVerifier
) -> None:
    context, session = holding_wallet(
        tmp_path / "investor", issuer, x509.load_pem_x509_certificate(listener.roots.read_bytes())
    )
    now = issuer.clock()
    screen = open_request(context, OpenRequest(session, listener.link(DCQL)), now)
    declined = decline(context, Decline(session, screen.pending.id), now)
    assert declined.outcome is not None
    assert not declined.outcome.shared and declined.outcome.told
    assert declined.choices == {}  # the landing keeps how it ended, not the credentials
    assert [r.get("error") for r in listener.responses] == ["access_denied"]
    with pytest.raises(InvalidRequest, match="no longer open"):
        decline(context, Decline(session, screen.pending.id), now)
    with pytest.raises(InvalidRequest, match="no longer open"):
        consent(context, share(context, session, screen), now)
    assert len(listener.responses) == 1
    assert history(context, History(session), now) == []
