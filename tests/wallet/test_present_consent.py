"""Issue 18 item 3: the consent screen's "What will be shared" is exactly what
the presentation releases. Each case presents through the real wallet, over
real HTTP, to a listening verifier, and compares the rows of the consent
screen (each with the disclosure it shows) with the disclosures the verifier
decoded from what it received: array index, ``null``, an object inside an
array, ``claim_sets``, ``credential_sets``, and an issuer that made each array
element its own disclosure (then ``["nationalities", 0]`` releases element 0
only). Before the fix, an index or ``null`` path listed the whole array's
claim under "Stays hidden" while its disclosure left the wallet. Countries
are shown by name (issue 20 item 2: "DE" is "Germany")."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ssi.sdjwt import SD
from tests.support import Clock
from tests.wallet.listening_verifier import VCT, ListeningVerifier, hold, listening_verifier
from tests.wallet.test_receive_e2e import create_wallet, make_wallet

LABELS: list[tuple[list[Any], str]] = [
    (["given_name"], "Given name"),
    (["nationalities"], "Nationalities"),
    (["addresses"], "Addresses"),
    (["kyc_level"], "KYC level"),
    (["pep"], "Politically exposed person"),
]
WHOLE_ARRAY = {SD("given_name"): "Erika", SD("nationalities"): ["DE", "FR"], SD("kyc_level"): 2}
PER_ELEMENT = {
    SD("given_name"): "Erika",
    SD("nationalities"): [SD("DE"), SD("FR")],
    SD("kyc_level"): 2,
}
OBJECTS_IN_ARRAY = {
    SD("given_name"): "Erika",
    SD("addresses"): [
        {SD("city"): "Koeln", SD("street"): "Heidestrasse 17"},
        {SD("city"): "Paris", SD("street"): "Rue de Rivoli 1"},
    ],
}


def query(*claims: dict[str, Any], query_id: str = "kyc", **extra: Any) -> dict[str, Any]:
    return {
        "id": query_id,
        "format": "dc+sd-jwt",
        "meta": {"vct_values": [extra.pop("vct", VCT)]},
        "claims": list(claims),
        **extra,
    }


CASES: dict[str, tuple[dict[Any, Any], dict[str, Any], list[str], list[str]]] = {
    # name: (credential claims, DCQL query, texts shown as shared, texts never shown as shared)
    "index": (
        WHOLE_ARRAY,
        {"credentials": [query({"path": ["nationalities", 0]})]},
        ["Nationalities", "Germany, France"],
        ["Erika"],
    ),
    "null": (
        WHOLE_ARRAY,
        {"credentials": [query({"path": ["nationalities", None]})]},
        ["Nationalities", "Germany, France"],
        ["Erika"],
    ),
    "object_in_array": (
        OBJECTS_IN_ARRAY,
        {"credentials": [query({"path": ["addresses", None, "city"]})]},
        ["Koeln", "Paris"],
        ["Heidestrasse", "Rivoli", "Erika"],
    ),
    "claim_sets": (
        WHOLE_ARRAY,
        {
            "credentials": [
                query(
                    {"id": "a", "path": ["pep"]},
                    {"id": "b", "path": ["kyc_level"]},
                    {"id": "c", "path": ["nationalities", 1]},
                    claim_sets=[["a", "b"], ["c", "b"]],
                )
            ]
        },
        ["Nationalities", "Germany, France", "KYC level"],
        ["Erika"],
    ),
    "credential_sets": (
        WHOLE_ARRAY,
        {
            "credentials": [
                query({"path": ["given_name"]}, query_id="other", vct="urn:not:held"),
                query({"path": ["nationalities", 0]}),
            ],
            "credential_sets": [{"options": [["other"], ["kyc"]]}],
        },
        ["Nationalities", "Germany, France"],
        ["Erika"],
    ),
    "per_element_disclosures": (
        PER_ELEMENT,
        {"credentials": [query({"path": ["nationalities", 0]})]},
        ["Nationalities / item 1", "Germany"],
        ["France", "Erika"],
    ),
}


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[ListeningVerifier]:
    with listening_verifier(tmp_path / "listener") as running:
        yield running


@pytest.fixture
def holder(tmp_path: Path, listener: ListeningVerifier) -> tuple[Flask, FlaskClient, str]:
    wallet = make_wallet(tmp_path / "wallet", Clock(), TRUSTED_X509_ROOTS=str(listener.roots))
    client = wallet.test_client()
    return wallet, client, create_wallet(client)


def released_rows(page: str) -> list[tuple[Any, Any]]:
    """(claim name, value) of each disclosure the consent screen lists as shared."""
    rows = re.findall(
        r"<tr data-testid=\"released\" data-claim='([^']*)' data-value='([^']*)'>", page
    )
    return [(json.loads(name), json.loads(value)) for name, value in rows]


def shared_text(page: str) -> str:
    tables = re.findall(r'<table data-testid="disclosed">(.*?)</table>', page, re.S)
    return re.sub(r"<[^>]+>", " ", " ".join(tables))


def hidden_text(page: str) -> str:
    found = re.search(r"Stays hidden: ([^<]+)", page)
    return found.group(1) if found else ""


def share(client: FlaskClient, token: str, page: str) -> Any:
    request_id = re.search(r"/present/([^/]+)/consent", page)
    assert request_id, page
    choices = dict(re.findall(r'name="(credential_[^"]+)" value="([^"]+)"', page))
    return client.post(
        f"/present/{request_id.group(1)}/consent", data={"csrf_token": token, **choices}
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_consent_shows_released(
    case: str, listener: ListeningVerifier, holder: tuple[Flask, FlaskClient, str]
) -> None:
    claims, dcql, shown, never = CASES[case]
    wallet, client, token = holder
    held = hold(wallet, client, claims, labels=LABELS)
    page = client.post("/present", data={"link": listener.link(dcql), "csrf_token": token})
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    shared = shared_text(text)
    for expected in shown:
        assert expected in shared, (expected, shared)
    for absent in never:
        assert absent not in shared, (absent, shared)
    # what is shared is never also said to stay hidden
    for _path, label in LABELS:
        if label in shared:
            assert label not in hidden_text(text).split(", "), (label, hidden_text(text))
    answer = share(client, token, text)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    (received,) = listener.released(held.issuer_key).values()
    assert Counter(map(repr, released_rows(text))) == Counter(map(repr, received))
