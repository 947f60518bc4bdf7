"""Authentication: API keys, JWTs and the `Viewer` every request carries."""

from rapport.auth.authenticator import Authenticator, AuthError
from rapport.auth.viewer import ROLES, Role, Viewer

__all__ = ["ROLES", "AuthError", "Authenticator", "Role", "Viewer"]
