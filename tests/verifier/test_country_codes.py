"""Issue 19 item 1, the verifier's side: a credential whose country claim is two
letters but no ISO 3166-1 country (``XX``; ``UK`` for the United Kingdom, which
is ``GB``) is refused by the policy check, with a reason that says so, and no
whitelisting intent is recorded. Such a credential passes a rule like
``address.country not in ["KP", "IR"]``, and its whitelisting could never be
written on chain.

The credential is signed with the real issuer's key and status list, but from a
record that skipped the issuer's validation: what an issuer that does not
validate (another trusted one, or an earlier version) would sign."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from issuer.core.status_list import allocate_index
from issuer.credential import issue_kyc_credential
from issuer.kyc_claims import KycRecord
from ssi.jose import Key
from tests.support import APPLICANT, RunningIssuer
from tests.verifier.conftest import RunningVerifier
from tests.verifier.foreign_wallet import ForeignWallet
from tests.verifier.sql import sql_of
from tests.verifier.test_refusals_oid4vp import assert_refused, submit
from verifier.policies import InvalidCountryCode, Policy


def unvalidated_credential(issuer: RunningIssuer, holder: Key, **record: str) -> str:
    """An SD-JWT VC of the running issuer for a record it never validated."""
    kyc = replace(KycRecord.from_dict(APPLICANT), **record)  # type: ignore[arg-type]
    now = int(issuer.clock.now)
    ctx = issuer.app.extensions["issuer"]
    with ctx.db.transaction() as conn:
        list_id, idx = allocate_index(conn, 1024, now)
    issued = issue_kyc_credential(
        kyc,
        holder,
        list_id=list_id,
        idx=idx,
        now=now,
        today=dt.date.fromtimestamp(now),
        lifetime=30 * 86400,
        keys=ctx.keys,
        issuer_url=ctx.issuer_url,
    )
    return issued.compact


@pytest.mark.parametrize("country", ["XX", "UK"])
def test_country_code_not_iso_3166_is_refused_by_the_policy_check(
    issuer: RunningIssuer, verifier: RunningVerifier, holder: Key, country: str
) -> None:
    credential = unvalidated_credential(issuer, holder, country=country)
    wallet = ForeignWallet(verifier.fetch, issuer.clock, credential, holder, [verifier.ca])
    created = verifier.create("solar7")
    result = assert_refused(
        verifier, created, submit(wallet, created["link"]), "InvalidCountryCode"
    )
    assert f"'{country}'" in result["reason"]["description"]
    assert "address.country" in result["reason"]["description"]
    assert sql_of(verifier.app).all("SELECT * FROM intents") == []


def test_country_code_assigned_code_passes_the_policy_check(
    issuer: RunningIssuer, verifier: RunningVerifier, holder: Key
) -> None:
    credential = unvalidated_credential(issuer, holder, country="GB")
    wallet = ForeignWallet(verifier.fetch, issuer.clock, credential, holder, [verifier.ca])
    created = verifier.create("solar7")
    assert submit(wallet, created["link"]).status == 200
    assert verifier.result(created["id"])["status"] == "verified"
    (intent,) = sql_of(verifier.app).all("SELECT country FROM intents")
    assert intent["country"] == "GB"


@pytest.mark.parametrize(
    ("claims", "path"),
    [
        ({"address": {"country": "de"}}, "address.country"),
        ({"nationalities": ["DE", "XX"]}, "nationalities"),
        ({"investor_jurisdiction": "UK"}, "investor_jurisdiction"),
        ({"residenceCountry": "XX"}, "residenceCountry"),
        ({"investorJurisdiction": 276}, "investorJurisdiction"),
    ],
)
def test_country_code_every_disclosed_country_claim_is_checked(
    claims: dict[str, object], path: str
) -> None:
    policy = Policy.from_dict("p", {"vct": "urn:x", "rules": []})
    with pytest.raises(InvalidCountryCode, match=path):
        policy.check(claims, 0)
