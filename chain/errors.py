"""The exceptions of :mod:`chain`, and the one place web3 / eth-tester errors become ours.

The tree (all under :class:`ssi.errors.SSIError`)::

    ChainError                 anything the chain refused or could not do (502)
    ├── ChainUnavailable       the node cannot be reached; intents stay queued
    ├── TransactionReverted    a transaction or call reverted (with the reason)
    ├── ArtifactsMissing       node_modules lacks the T-REX / ONCHAINID artifacts
    ├── DeploymentMismatch     the deployment file does not match the chain
    └── OutboxError            the outbox refused a request (unknown intent, bad input)

:func:`chain_errors` is the only place that knows the exception types of
web3.py (``ContractLogicError`` from JSON-RPC nodes), eth-tester
(``TransactionFailed`` from the in-process py-evm chain) and requests
(connection failures), so callers catch only these classes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from ssi.errors import SSIError

__all__ = [
    "ChainError",
    "ChainUnavailable",
    "TransactionReverted",
    "ArtifactsMissing",
    "DeploymentMismatch",
    "OutboxError",
    "chain_errors",
]


class ChainError(SSIError):
    """The chain refused or could not do what was asked."""

    error = "server_error"
    status = 502


class ChainUnavailable(ChainError):
    """The node does not answer: nothing was decided, the intent stays queued."""

    status = 503


class TransactionReverted(ChainError):
    """A transaction (or the ``eth_call`` that simulates it) reverted."""

    def __init__(self, description: str = "", reason: str = "") -> None:
        super().__init__(description)
        self.reason = reason


class ArtifactsMissing(ChainError):
    """The compiled contracts are not installed (run ``npm ci``)."""

    status = 500


class DeploymentMismatch(ChainError):
    """The deployment file names contracts the chain does not hold."""


class OutboxError(ChainError):
    """The outbox refused a request."""

    error = "invalid_request"
    status = 400


def _reason(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or (exc.args[0] if exc.args else "")
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    text = str(message)
    # Hardhat: "Error: VM Exception while processing transaction: reverted with reason string 'X'"
    found = re.search(r"reverted with (?:reason string|custom error) '(.*)'", text, re.DOTALL)
    if found:
        return found.group(1)
    for prefix in ("execution reverted: ", "execution reverted", "Reverted "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text.strip() or "no reason given"


@contextmanager
def chain_errors(context: str) -> Iterator[None]:
    """Translate web3.py, eth-tester and connection errors raised inside the block.

    ``context`` names what was being done ("registerIdentity on 0x…"); it
    starts every message, so an operator reads what failed and why.
    """
    import requests
    from eth_tester.exceptions import TransactionFailed
    from web3.exceptions import (
        BadFunctionCallOutput,
        ContractLogicError,
        ProviderConnectionError,
        RequestTimedOut,
        TimeExhausted,
        TransactionNotFound,
        Web3RPCError,
    )

    try:
        yield
    except (SSIError, TransactionNotFound):
        raise  # "not found" is an answer, not an error: the caller handles it
    except (ContractLogicError, TransactionFailed) as exc:
        reason = _reason(exc)
        raise TransactionReverted(f"{context}: reverted: {reason}", reason=reason) from exc
    except (
        requests.exceptions.ConnectionError,
        requests.exceptions.Timeout,
        ProviderConnectionError,
        RequestTimedOut,
        ConnectionError,
    ) as exc:
        raise ChainUnavailable(
            f"{context}: the node is unreachable ({exc.__class__.__name__})"
        ) from exc
    except BadFunctionCallOutput as exc:
        raise ChainError(f"{context}: no contract answered at that address") from exc
    except TimeExhausted as exc:
        raise ChainUnavailable(f"{context}: no receipt in time ({exc})") from exc
    except Web3RPCError as exc:
        raise ChainError(f"{context}: the node refused: {_reason(exc)}") from exc
