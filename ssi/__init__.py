"""The standards core of kyc-wallet: no web framework, no database, no network
except through :mod:`ssi.fetch`. Each module implements one specification and
cites its sections."""

__version__ = "0.1.0"
