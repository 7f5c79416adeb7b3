"""The verifier's operations without Flask (issue 21 item 1; STYLE.md "Apps: a
core without Flask"): each takes the typed :class:`~verifier.core.context.VerifierContext`
built once in ``create_app``, its input and ``now``, and returns a result or
raises the ``ssi.errors`` tree. Nothing here imports ``flask`` or
``kyc_wallet.web`` or touches ``current_app``.

- :mod:`~verifier.core.response`: the response endpoint and the verdict
  (OpenID4VP 1.0 §8.2, §8.3, §8.5);
- :mod:`~verifier.core.intents`: the whitelisting intents a verdict or a
  removal commits, with their outbox entries;
- :mod:`~verifier.core.flows`: the two flows' requests of one transaction.
"""
