"""The issuer's operations without Flask (issue 21 item 1; STYLE.md "Apps: a
core without Flask"): each is ``(ctx, message, now) -> result`` on an
:class:`~issuer.core.context.IssuerContext`, raising the ``ssi.errors`` tree.

- :mod:`~issuer.core.offer`: record an applicant, approve it with an offer;
- :mod:`~issuer.core.token`: the Token (§6) and Nonce (§7) endpoints;
- :mod:`~issuer.core.issuance`: the Credential endpoint (§8);
- :mod:`~issuer.core.revoke`: revoke, suspend, reinstate (``issuer.issuances``);
- :mod:`~issuer.core.status_list`: status indices and the signed lists.

Nothing here imports ``flask`` or ``kyc_wallet.web``; the blueprints parse the
request, call these, and serialize the result.
"""
