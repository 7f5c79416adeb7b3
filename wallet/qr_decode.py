"""Decoding an uploaded QR image server-side (zxing-cpp on a Pillow image).

The image is size-capped before decoding (Flask's ``MAX_CONTENT_LENGTH``, and
Pillow's decompression-bomb limit on pixels)."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image, UnidentifiedImageError

from ssi.errors import InvalidRequest

__all__ = ["decode_qr"]

MAX_PIXELS = 40_000_000


def decode_qr(data: bytes) -> str:
    """The text of the first QR code in the image ``data``."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            results = zxingcpp.read_barcodes(image.convert("L"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidRequest("the uploaded file is not an image this wallet can read") from exc
    for result in results:
        if result.format == zxingcpp.BarcodeFormat.QRCode and result.text:
            return str(result.text)
    raise InvalidRequest("no QR code was found in the uploaded image")
