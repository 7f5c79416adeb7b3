"""QR codes as inline SVG (qrcode 8, no Pillow: ``SvgPathImage``).

Rendering is slow (tens of milliseconds, pure Python): :func:`qr_svg` keeps the
last codes it drew (a page reloaded, an API client asking twice), and
:func:`check_fits` tells whether a text fits in a QR code at all without
drawing one (qrcode's own segmentation, counted in bits against version 40).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import qrcode
import qrcode.image.svg
from qrcode import util
from qrcode.exceptions import DataOverflowError

from ssi.errors import InvalidRequest

__all__ = [
    "QR_FORMATS",
    "QR_PARAMETER",
    "TooLongForQRCode",
    "check_fits",
    "qr_svg",
    "requested_qr_format",
]

_LEVEL = qrcode.constants.ERROR_CORRECT_M
_LARGEST = 40
_OPTIMIZE = 20  # qrcode's add_data default: the same segments as the drawn code


class TooLongForQRCode(InvalidRequest):
    """The text does not fit in the largest QR code (version 40)."""


def _refusal(data: str) -> TooLongForQRCode:
    return TooLongForQRCode(f"{len(data)} characters do not fit in a QR code (at most about 2,300)")


def _segment_bits(segment: util.QRData) -> int:
    count = len(segment)
    if segment.mode == util.MODE_NUMBER:
        body = 10 * (count // 3) + (0, 4, 7)[count % 3]
    elif segment.mode == util.MODE_ALPHA_NUM:
        body = 11 * (count // 2) + 6 * (count % 2)
    else:
        body = 8 * count
    length_bits: int = util.length_in_bits(segment.mode, _LARGEST)
    return 4 + length_bits + body


def check_fits(data: str) -> None:
    """Raise :class:`TooLongForQRCode` unless ``data`` fits in a QR code of
    :func:`qr_svg`'s error correction (without drawing it)."""
    segments = util.optimal_data_chunks(data.encode("utf-8"), minimum=_OPTIMIZE)
    if sum(_segment_bits(s) for s in segments) > util.BIT_LIMIT_TABLE[_LEVEL][_LARGEST]:
        raise _refusal(data)


@lru_cache(maxsize=256)
def qr_svg(data: str) -> str:
    """An ``<svg>`` element encoding ``data`` (medium error correction); the last
    256 are kept."""
    qr = qrcode.QRCode(error_correction=_LEVEL, box_size=10, border=4)
    qr.add_data(data, optimize=_OPTIMIZE)
    try:
        qr.make(fit=True)
    except (DataOverflowError, ValueError) as exc:  # qrcode 8: 'Invalid version (was 41…)'
        raise _refusal(data) from exc
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    markup: str = image.to_string(encoding="unicode")
    return markup


QR_FORMATS = ("svg",)
"""``?qr=svg`` on an API call that creates a link: the QR code drawn into the answer."""


QR_PARAMETER = {
    "name": "qr",
    "in": "query",
    "required": False,
    "description": "svg: the QR code of the link in the answer (qr_svg); without it,"
    " get it from qr_uri when needed",
    "schema": {"enum": list(QR_FORMATS)},
}
"""The OpenAPI 3.1 parameter object of :func:`requested_qr_format`."""


def requested_qr_format(args: Mapping[str, list[str]]) -> str | None:
    """The ``qr`` query parameter of an API call that creates a link (``None``:
    not asked for, the answer carries ``qr_uri`` only); any other query
    parameter, a repeated one or an unknown format is a client mistake."""
    unknown = sorted(set(args) - {"qr"})
    values = args.get("qr", [])
    if unknown or len(values) > 1 or (values and values[0] not in QR_FORMATS):
        raise InvalidRequest(f"the only query parameter is 'qr', one of {list(QR_FORMATS)}")
    return values[0] if values else None
