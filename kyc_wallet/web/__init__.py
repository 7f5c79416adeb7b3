"""Web plumbing shared by the three apps (issuer, wallet, verifier).

The apps never import each other; what every one of them needs to be a
well-behaved Flask app lives here once: configuration loading, the error
handler, CSRF and security headers, SQLite storage with migrations, QR codes.
"""

from .body import json_object_body
from .config import load_config
from .errors import register_error_handlers, wants_json
from .qr import qr_svg
from .security import csrf_exempt, install_security
from .storage import Store

__all__ = [
    "Store",
    "csrf_exempt",
    "install_security",
    "json_object_body",
    "load_config",
    "qr_svg",
    "register_error_handlers",
    "wants_json",
]
