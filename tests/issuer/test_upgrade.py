"""Issue 21 item 5: ``kyc-wallet issuer migrate`` adopts a data folder made by
the release before Alembic (tests/upgrade/issuer-0.1, made by that release's
code: its README) and loses nothing: every record is still there and usable."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from issuer.app import create_app
from kyc_wallet.database.migrate import current_revision, head_revision
from ssi.jose import Key
from ssi.oid4vci import TokenRequest, build_proof
from ssi.status_list import SUSPENDED, ReferencedIssuer, verify_status_list_token
from tests.support import migrated_issuer_database

FOLDER = Path(__file__).parents[1] / "upgrade" / "issuer-0.1"


@pytest.fixture
def old_folder(tmp_path: Path) -> Path:
    data = tmp_path / "issuer"
    shutil.copytree(FOLDER, data)
    data.chmod(0o700)
    for path in data.iterdir():
        path.chmod(0o600)
    return data


def _migrate(data: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "kyc_wallet.cli", "issuer", "migrate", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_upgrade_migrate_adopts_a_data_folder_of_the_previous_release(old_folder: Path) -> None:
    manifest: dict[str, Any] = json.loads((old_folder / "manifest.json").read_text())
    out = _migrate(old_folder)
    assert "is up to date" in out
    assert "nothing to apply" in _migrate(old_folder)  # once only
    with migrated_issuer_database(old_folder) as db, db.read() as conn:
        assert current_revision(conn) == head_revision("issuer")
        states: dict[str, str] = dict(conn.execute(text("SELECT id, state FROM applicants")).all())
        issuances: dict[str, int] = dict(
            conn.execute(text("SELECT issuance_id, status FROM offers")).all()
        )
    assert states == {
        manifest["issued"]["applicant_id"]: "erased",
        manifest["open"]["applicant_id"]: "approved",
        manifest["withdrawn"]["applicant_id"]: "approved",
    }
    assert issuances == {
        manifest["issued"]["issuance_id"]: 2,
        manifest["open"]["issuance_id"]: 0,
        manifest["withdrawn"]["issuance_id"]: 1,
    }


def test_upgrade_an_offer_made_before_is_redeemed_after(old_folder: Path) -> None:
    """The open offer (its code derived from the kept secret, its PIN hashed,
    its sealed record) issues a credential; the suspended one stays suspended
    on its status list; the withdrawn one is still refused."""
    manifest: dict[str, Any] = json.loads((old_folder / "manifest.json").read_text())
    _migrate(old_folder)
    now = int(manifest["now"]) + 60
    app = create_app(
        {
            "DATA_DIR": str(old_folder),
            "ISSUER_URL": manifest["issuer_url"],
            "OPERATOR_PASSWORD": "operator-password-0123456789",
            "TESTING": True,
        },
        clock=lambda: now,
    )
    client = app.test_client()
    offer_id = manifest["open"]["offer_uri"].rsplit("/", 1)[1]
    document = client.get(f"/offers/{offer_id}")
    assert document.status_code == 200
    grant = document.get_json()["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    answer = client.post(
        "/token",
        data=TokenRequest(grant["pre-authorized_code"], manifest["open"]["tx_code"]).to_form_body(),
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    token = answer.get_json()["access_token"]
    nonce = client.post("/nonce").get_json()["c_nonce"]
    holder = Key.generate("ES256")
    issued = client.post(
        "/credential",
        json={
            "credential_configuration_id": "kyc_sd_jwt_vc",
            "proofs": {"jwt": [build_proof(holder, manifest["issuer_url"], nonce, now=now)]},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert issued.status_code == 200, issued.get_data(as_text=True)
    assert len(issued.get_json()["credentials"]) == 1
    # the credential issued before the upgrade: still suspended on its list
    payload = json.loads(
        base64.urlsafe_b64decode(manifest["issued"]["credential"].split(".")[1] + "==")
    )
    reference = payload["status"]["status_list"]
    served = client.get(reference["uri"].removeprefix(manifest["issuer_url"]))
    assert served.status_code == 200
    public = app.extensions["issuer"].keys.key.public()
    listed = verify_status_list_token(
        served.get_data(as_text=True),
        lambda _header, _claims, _referenced: public,
        uri=reference["uri"],
        issuer=ReferencedIssuer(manifest["issuer_url"]),
        now=now,
    )
    assert listed.status_list.get(int(reference["idx"])) == SUSPENDED
    with app.extensions["issuer"].db.read() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM credentials")).scalar()
    assert count == 2
    app.extensions["issuer"].db.dispose()
