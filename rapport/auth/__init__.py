"""Authentication: API keys, JWTs and the `Viewer` every request carries.

The names are loaded on first use, so that the `rapport token` commands can be registered
(rapport/auth/cli.py) without loading the driver and the JWT library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rapport.auth.authenticator import Authenticator, AuthError
    from rapport.auth.viewer import ROLES, Role, Viewer

_EXPORTS = {
    "Authenticator": "rapport.auth.authenticator",
    "AuthError": "rapport.auth.authenticator",
    "ROLES": "rapport.auth.viewer",
    "Role": "rapport.auth.viewer",
    "Viewer": "rapport.auth.viewer",
}

__all__ = ["ROLES", "AuthError", "Authenticator", "Role", "Viewer"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rapport.auth' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
