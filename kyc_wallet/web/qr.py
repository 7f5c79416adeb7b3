"""QR codes as inline SVG (qrcode 8, no Pillow: ``SvgPathImage``)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg

__all__ = ["qr_svg"]


def qr_svg(data: str) -> str:
    """An ``<svg>`` element encoding ``data`` (medium error correction)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    markup: str = image.to_string(encoding="unicode")
    return markup
