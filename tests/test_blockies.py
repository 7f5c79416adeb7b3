"""Ethereum blockies drawn as the JavaScript library draws them (issue 20 item 4).

The expected grids and colours in tests/vectors/blockies.json were computed
with node from the npm packages ``blockies-ts`` and ``ethereum-blockies-base64``
(the file names the versions); these tests need neither node nor the packages.
"""

from __future__ import annotations

import base64
import colorsys
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import render_template_string

from kyc_wallet.web.blockies import blockie, blockie_data_uri
from wallet.app import create_app

VECTORS = json.loads((Path(__file__).parent / "vectors" / "blockies.json").read_text())


def _ids(vector: dict[str, Any]) -> str:
    return str(vector["address"])


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=_ids)
def test_blockie_grid_and_colours_match_the_javascript_library(vector: dict[str, Any]) -> None:
    icon = blockie(vector["address"])
    assert [list(row) for row in icon.grid] == vector["grid"]
    assert (icon.color, icon.bgcolor, icon.spotcolor) == (
        vector["color"],
        vector["bgcolor"],
        vector["spotcolor"],
    )


def _rgb(hsl: str) -> list[int]:
    hue, saturation, lightness = (float(v) for v in re.findall(r"[0-9.]+", hsl))
    rgb = colorsys.hls_to_rgb((hue % 360) / 360, lightness / 100, saturation / 100)
    return [round(c * 255) for c in rgb]


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=_ids)
def test_blockie_colours_are_the_png_palette_of_ethereum_blockies_base64(
    vector: dict[str, Any],
) -> None:
    icon = blockie(vector["address"])
    ours = {"color": icon.color, "bgcolor": icon.bgcolor, "spotcolor": icon.spotcolor}
    for name, expected in vector["png_palette_rgb"].items():
        assert all(abs(a - b) <= 1 for a, b in zip(_rgb(ours[name]), expected, strict=True))


def test_blockie_is_seeded_with_the_lower_case_address() -> None:
    address = VECTORS["vectors"][0]["address"]
    assert blockie(address) == blockie(address.lower())
    assert blockie(address) != blockie(VECTORS["vectors"][1]["address"])


def test_blockie_data_uri_is_a_base64_svg_with_one_rect_per_coloured_cell() -> None:
    vector = VECTORS["vectors"][0]
    uri = blockie_data_uri(vector["address"])
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode("ascii")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    coloured = sum(1 for row in vector["grid"] for cell in row if cell)
    assert svg.count("<rect") == coloured + 1  # the background, then each cell
    assert f'fill="{vector["bgcolor"]}"' in svg
    assert "<script" not in svg


def test_blockie_filter_renders_an_img_and_nothing_for_a_non_address(tmp_path: Path) -> None:
    app = create_app({"DATA_DIR": str(tmp_path)})
    address = VECTORS["vectors"][0]["address"]
    with app.test_request_context():
        html = render_template_string('<img src="{{ a|blockie }}">', a=address)
        assert html == f'<img src="{blockie_data_uri(address)}">'
        assert render_template_string("{{ 'not an address'|blockie }}") == ""
