"""QR codes as inline SVG (qrcode 8, no Pillow: ``SvgPathImage``)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from qrcode.exceptions import DataOverflowError

from ssi.errors import InvalidRequest

__all__ = ["TooLongForQRCode", "qr_svg"]


class TooLongForQRCode(InvalidRequest):
    """The text does not fit in the largest QR code (version 40)."""


def qr_svg(data: str) -> str:
    """An ``<svg>`` element encoding ``data`` (medium error correction)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    qr.add_data(data)
    try:
        qr.make(fit=True)
    except (DataOverflowError, ValueError) as exc:  # qrcode 8: 'Invalid version (was 41…)'
        raise TooLongForQRCode(
            f"{len(data)} characters do not fit in a QR code (at most about 2,300)"
        ) from exc
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    markup: str = image.to_string(encoding="unicode")
    return markup
