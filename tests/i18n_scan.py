"""Text a person reads in a template that no translation function wraps.

Everything inside ``{% trans %}…{% endtrans %}``, ``{{ … }}`` (``_()``,
``gettext()``, or a value the view computed) and ``{% … %}`` is taken out;
what is left is parsed as HTML, and any text node or readable attribute
(``title``, ``alt``, ``placeholder``, ``aria-label``, a button-like input's
``value``) that still holds a letter is untranslated text. Punctuation,
digits and symbols (``·``, ``—``, ``…``) are not."""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["untranslated_text"]

_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_TRANS = re.compile(r"\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}", re.S)
_EXPRESSION = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_LETTER = re.compile(r"[^\W\d_]")
_READABLE = {"title", "alt", "placeholder", "aria-label", "aria-description", "label"}
_BUTTON_INPUTS = {"submit", "button", "reset"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for name, value in attrs:
            readable = name in _READABLE or (
                name == "value" and tag == "input" and values.get("type") in _BUTTON_INPUTS
            )
            if readable and value and _LETTER.search(value):
                self.found.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and _LETTER.search(data):
            self.found.append(" ".join(data.split()))


def untranslated_text(source: str) -> list[str]:
    """The untranslated pieces of text of a template's source, in order."""
    text = _COMMENT.sub("", source)
    text = _TRANS.sub("", text)
    text = _EXPRESSION.sub("", text)
    collector = _Collector()
    collector.feed(text)
    collector.close()
    return collector.found
