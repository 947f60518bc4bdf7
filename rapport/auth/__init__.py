"""Authentication: API keys, JWTs and the `Viewer` every request carries.

The names are loaded on first use, so that the `rapport token` commands can be registered
(rapport/auth/cli.py) without loading the driver and the JWT library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.viewer import ROLES, Role, Viewer
    from rapport.auth.authenticator import Authenticator, AuthError

_EXPORTS = {
    "Authenticator": "rapport.auth.authenticator",
    "AuthError": "rapport.auth.authenticator",
    "ROLES": "core.viewer",
    "Role": "core.viewer",
    "Viewer": "core.viewer",
}

__all__ = ["ROLES", "AuthError", "Authenticator", "Role", "Viewer"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rapport.auth' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
