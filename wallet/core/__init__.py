"""The wallet's operations without Flask (issue 21 item 1; STYLE.md "Apps: a
core without Flask"): receive (:mod:`.receive`), present (:mod:`.present`),
backup and restore (:mod:`.backup`). Each is ``(context, input message, now)
-> result message`` and raises the ``ssi.errors`` tree; the context
(:class:`WalletContext`) is built once by ``create_app``. The blueprints
(``wallet/views_*.py``) only parse the request, call these, and render.

Nothing in this package imports ``flask`` or ``kyc_wallet.web`` or reads the
browser session: the session's vault handle is part of each input message.
"""

from __future__ import annotations

from .context import AnchorsHolder, WalletContext, WalletSettings, settings_from_config

__all__ = ["AnchorsHolder", "WalletContext", "WalletSettings", "settings_from_config"]
