"""chain: whitelisting investors on real ERC-3643 (T-REX 4.1.6) contracts.

- :mod:`chain.artifacts`: the T-REX / ONCHAINID npm artifacts (``npm ci``).
- :mod:`chain.backend`: the in-process py-evm chain, or any JSON-RPC node.
- :mod:`chain.deploy`, :mod:`chain.deployment`: the suite, tokens, the deployment file.
- :mod:`chain.erc3643`, :mod:`chain.keys`: identities, KYC claims, registry, token.
- :mod:`chain.outbox`, :mod:`chain.worker`, :mod:`chain.reconcile`: the whitelist
  outbox, its exactly-once worker and the reconciler.
- :mod:`chain.devchain`: the development chain and its redeployment after a restart.
- :mod:`chain.errors`: the exceptions; :mod:`chain.cli`: ``kyc-wallet chain``.

Import from the submodules (``from chain.outbox import Outbox``): this package
itself imports nothing, so that importing one part (e.g. :mod:`chain.cli` to
build ``kyc-wallet --help``) does not load web3.
"""
