"""Ethereum blockies: the identicon MetaMask and Etherscan show beside an address.

The scheme of the ``ethereum-blockies`` library (and of its ports
``ethereum-blockies-base64`` and ``blockies-ts``), so a person sees here the
same picture as in the wallets they know:

- a xorshift generator (four 32-bit words) seeded with the address in lower
  case: each character ``c`` at position ``i`` makes word ``i % 4`` into
  ``(w << 5) - w + ord(c)``;
- three colours drawn from it, in this order: the foreground, the background
  and the "spot" colour, each ``hsl(h, s%, l%)`` with ``h`` in 0..359,
  ``s`` in [40, 100) and ``l`` the sum of four draws times 25;
- then an 8x8 grid: each row draws its left four cells (``floor(r * 2.3)``:
  0 background, 1 foreground, 2 spot) and mirrors them to the right.

JavaScript's integer semantics are kept: the shifts and xors act on signed
32-bit integers (``ToInt32``), ``>>`` is arithmetic, the draw divides the
unsigned last word by 2^31. :func:`blockie_data_uri` draws the grid as an
SVG, base64-encoded as a ``data:`` URI for an ``<img>`` (the CSP allows
``data:`` images; an inline SVG would be markup from data). Checked against
the npm packages' own output in ``tests/vectors/blockies.json``.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

__all__ = ["Blockie", "blockie", "blockie_data_uri"]

SIZE = 8
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def _int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


class _Random:
    """The library's xorshift, with JavaScript's ``ToInt32`` at every bit operation."""

    def __init__(self, seed: str) -> None:
        self.words = [0, 0, 0, 0]
        for i, char in enumerate(seed):
            word = self.words[i % 4]
            # (w << 5) is ToInt32'd; the subtraction and addition are not
            self.words[i % 4] = _int32(_int32(word) << 5) - word + ord(char)

    def __call__(self) -> float:
        w = self.words
        t = _int32(_int32(w[0]) ^ _int32(_int32(w[0]) << 11))
        w[0], w[1], w[2] = w[1], w[2], w[3]
        last = _int32(w[3])
        w[3] = _int32(last ^ (last >> 19) ^ t ^ (t >> 8))
        return (w[3] & 0xFFFFFFFF) / (1 << 31)


def _js_number(value: float) -> str:
    """A number as JavaScript's ``String(n)`` writes it (for these ranges)."""
    return str(int(value)) if value == int(value) else repr(value)


def _colour(random: _Random) -> str:
    hue = int(random() * 360)
    saturation = random() * 60 + 40
    lightness = (random() + random() + random() + random()) * 25
    return f"hsl({hue},{_js_number(saturation)}%,{_js_number(lightness)}%)"


@dataclass(frozen=True)
class Blockie:
    color: str
    bgcolor: str
    spotcolor: str
    grid: tuple[tuple[int, ...], ...]
    """Rows of cells: 0 background, 1 colour, 2 spot colour."""


def blockie(address: str) -> Blockie:
    """The blockie of ``address`` (seeded with its lower-case form)."""
    random = _Random(address.lower())
    color, bgcolor, spotcolor = _colour(random), _colour(random), _colour(random)
    half = (SIZE + 1) // 2
    rows = []
    for _ in range(SIZE):
        left = [int(random() * 2.3) for _ in range(half)]
        rows.append((*left, *reversed(left[: SIZE - half])))
    return Blockie(color, bgcolor, spotcolor, tuple(rows))


def blockie_svg(address: str, scale: int = 4) -> str:
    """The blockie as an SVG document (one rectangle per coloured cell)."""
    icon = blockie(address)
    side = SIZE * scale
    fills = {1: icon.color, 2: icon.spotcolor}
    cells = "".join(
        f'<rect x="{x * scale}" y="{y * scale}" width="{scale}" height="{scale}" '
        f'fill="{fills[value]}"/>'
        for y, row in enumerate(icon.grid)
        for x, value in enumerate(row)
        if value
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side}" height="{side}" '
        f'viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="{icon.bgcolor}"/>{cells}</svg>'
    )


def blockie_data_uri(address: object) -> str:
    """``data:image/svg+xml;base64,...`` of an Ethereum address's blockie
    (the Jinja filter ``blockie``); an empty string for anything else."""
    text = str(address)
    if not _ADDRESS.fullmatch(text):
        return ""
    encoded = base64.b64encode(blockie_svg(text).encode("ascii")).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
