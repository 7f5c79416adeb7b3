"""Token Status List §4 (the compressed byte array) against the draft's vectors.

The vectors are the draft's own examples (tests/vectors/status-list/README.md):
each ``*_json.md`` holds the JSON Status List, each ``*_statuses.md`` the
``status[i] = 0b…`` lines the draft gives for it.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssi.encoding import b64url_encode
from ssi.errors import MalformedInput, SSIError
from ssi.status_list import (
    INVALID,
    SUSPENDED,
    VALID,
    DecompressionLimitExceeded,
    StatusIndexOutOfRange,
    StatusList,
    decompress,
)

VECTORS = Path(__file__).parent.parent / "vectors" / "status-list"
NAMES = ["encoding", "encoding2", "encoding1_long", "encoding2_long", "encoding4", "encoding8"]
_STATUS_LINE = re.compile(r"status\[(\d+)\]\s*=\s*0b([01]+)")


def load_status_list_json(name: str) -> dict[str, object]:
    """The JSON object of ``status_list_<name>_json.md`` (whitespace inside ``lst`` removed)."""
    text = (VECTORS / f"status_list_{name}_json.md").read_text()
    bits = int(re.search(r'"bits":\s*(\d+)', text).group(1))  # type: ignore[union-attr]
    lst = re.search(r'"lst":\s*"([^"]*)"', text).group(1)  # type: ignore[union-attr]
    return {"bits": bits, "lst": re.sub(r"\s+", "", lst)}


def load_statuses(name: str) -> tuple[int, int, dict[int, int]]:
    """``(size, bits, {index: status})`` from ``status_list_<name>_statuses.md``."""
    text = (VECTORS / f"status_list_{name}_statuses.md").read_text()
    size = int(re.search(r"size = (\d+)", text).group(1))  # type: ignore[union-attr]
    bits = int(re.search(r"bits = (\d+)", text).group(1))  # type: ignore[union-attr]
    statuses = {int(i): int(v, 2) for i, v in _STATUS_LINE.findall(text)}
    return size, bits, statuses


@pytest.mark.parametrize("name", NAMES)
def test_vector_decodes_to_the_listed_statuses(name: str) -> None:
    """§4.1 step 3: each index is a ``bits`` block, least significant bit first."""
    size, bits, statuses = load_statuses(name)
    status_list = StatusList.from_json(load_status_list_json(name))
    assert status_list.bits == bits
    assert len(status_list) == size
    expected = [statuses.get(i, VALID) for i in range(size)]
    assert [status_list.get(i) for i in range(size)] == expected


@pytest.mark.parametrize("name", NAMES)
def test_vector_encodes_to_the_same_lst(name: str) -> None:
    """§4.1 step 4: ZLIB at the highest compression level reproduces the draft's ``lst``."""
    size, bits, statuses = load_statuses(name)
    status_list = StatusList(size, bits)
    for index, value in statuses.items():
        status_list.set(index, value)
    assert status_list.to_json() == load_status_list_json(name)


def test_known_value_1_bit() -> None:
    """README known value: ``eNrbuRgAAhcBXQ`` is 1,0,0,1,1,1,0,1,1,1,0,0,0,1,0,1."""
    status_list = StatusList.from_json({"bits": 1, "lst": "eNrbuRgAAhcBXQ"})
    expected = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
    assert [status_list.get(i) for i in range(16)] == expected
    assert status_list.to_bytes() == bytes([0xB9, 0xA3])


def test_byte_array_of_the_2_bit_example() -> None:
    """§4.1: the 2-bit example's byte array is ``[0xc9, 0x44, 0xf9]``."""
    status_list = StatusList.from_json(load_status_list_json("encoding2"))
    assert status_list.to_bytes() == bytes([0xC9, 0x44, 0xF9])


def test_status_type_values() -> None:
    """§7.1: VALID 0x00, INVALID 0x01, SUSPENDED 0x02."""
    assert (VALID, INVALID, SUSPENDED) == (0x00, 0x01, 0x02)


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
@given(data=st.data())
def test_round_trip(bits: int, data: st.DataObject) -> None:
    statuses = data.draw(st.lists(st.integers(0, (1 << bits) - 1), max_size=300))
    encoded = StatusList.from_statuses(statuses, bits).to_json()
    decoded = StatusList.from_json(encoded)
    assert [decoded.get(i) for i in range(len(statuses))] == statuses
    # the padding of the last byte reads as VALID
    assert all(decoded.get(i) == VALID for i in range(len(statuses), len(decoded)))


# --- refusals -------------------------------------------------------------------------


def test_decompression_bomb_refused() -> None:
    """SECURITY.md: a status list is decompressed with a byte limit; past it, refuse."""
    bomb = zlib.compress(bytes(50_000_000), 9)  # ~50 KB that inflates to 50 MB
    assert len(bomb) < 100_000
    with pytest.raises(DecompressionLimitExceeded, match="more than 1000000 bytes"):
        StatusList.from_json({"bits": 1, "lst": b64url_encode(bomb)}, max_bytes=1_000_000)


def test_decompression_exactly_at_the_cap_accepted() -> None:
    assert decompress(zlib.compress(bytes(1000)), max_bytes=1000) == bytes(1000)
    with pytest.raises(DecompressionLimitExceeded):
        decompress(zlib.compress(bytes(1001)), max_bytes=1000)


def test_index_out_of_range_refused() -> None:
    """§8.3 step 6: an index out of bounds of the Status List MUST be rejected."""
    status_list = StatusList.from_json({"bits": 1, "lst": "eNrbuRgAAhcBXQ"})
    assert status_list.get(15) == 1
    with pytest.raises(StatusIndexOutOfRange, match="index 16 is out of range"):
        status_list.get(16)


@pytest.mark.parametrize("bits", [0, 3, 16, True, "1", None, 1.0])
def test_bits_not_1_2_4_8_refused(bits: object) -> None:
    """§4.2: the allowed values for ``bits`` are 1, 2, 4 and 8."""
    with pytest.raises(MalformedInput, match="'bits' must be one of"):
        StatusList.from_json({"bits": bits, "lst": "eNrbuRgAAhcBXQ"})


def test_missing_lst_refused() -> None:
    with pytest.raises(MalformedInput, match="needs both"):
        StatusList.from_json({"bits": 1})


def test_lst_not_zlib_refused() -> None:
    raw_deflate = zlib.compress(b"\x01", 9)[2:-4]  # DEFLATE without the ZLIB wrapper
    with pytest.raises(MalformedInput, match="not a ZLIB stream"):
        StatusList.from_json({"bits": 1, "lst": b64url_encode(raw_deflate)})


def test_truncated_zlib_refused() -> None:
    with pytest.raises(MalformedInput, match="truncated"):
        decompress(zlib.compress(bytes(100))[:-3])


def test_trailing_data_after_zlib_refused() -> None:
    with pytest.raises(MalformedInput, match="data after"):
        decompress(zlib.compress(bytes(10)) + b"junk")


def test_padded_base64_lst_refused() -> None:
    with pytest.raises(MalformedInput, match="base64url"):
        StatusList.from_json({"bits": 1, "lst": "eNrbuRgAAhcBXQ=="})


@pytest.mark.parametrize("index", [-1, True, 1.0])
def test_index_not_a_non_negative_integer_refused(index: object) -> None:
    with pytest.raises(MalformedInput, match="non-negative integer"):
        StatusList(8, 1).get(index)  # type: ignore[arg-type]


def test_value_too_wide_for_bits_refused() -> None:
    with pytest.raises(MalformedInput, match="does not fit in 1 bits"):
        StatusList(8, 1).set(0, SUSPENDED)


# --- property tests ----------------------------------------------------------------------


@given(
    obj=st.dictionaries(
        st.sampled_from(["bits", "lst", "aggregation_uri", "x"]),
        st.none() | st.integers(-1, 9) | st.text(max_size=40),
        max_size=4,
    )
)
def test_from_json_accepts_or_raises_ssi_error(obj: dict[str, object]) -> None:
    try:
        StatusList.from_json(obj)
    except SSIError:
        pass


@given(data=st.binary(max_size=200))
def test_decompress_accepts_or_raises_ssi_error(data: bytes) -> None:
    try:
        assert len(decompress(data, max_bytes=1000)) <= 1000
    except SSIError:
        pass
