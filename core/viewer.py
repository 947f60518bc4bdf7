"""Who is asking: the authenticated principal of one request or WebSocket connection.

Resolvers read it as `info.context.viewer` (see schema/context.py). It is immutable and carries
only what authorisation needs: the User node's id, e-mail and role, and which credential proved
it. Role checks and field masking (issue 6, part 2) are built on `role`; the audit trail records
`user_id` as the actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Role = Literal["ADMIN", "MANAGER", "SALES", "ANALYST"]
ROLES: tuple[Role, ...] = get_args(Role)

CredentialKind = Literal["api_key", "jwt"]


def parse_role(value: object) -> Role | None:
    """The role spelled exactly by `value` (`ADMIN`, never `admin` or ` ADMIN`), else None.

    Exact on purpose: a token's or a database's role is authoritative, and a spelling we do not
    define is more likely a mistake (or a forgery probing for leniency) than a request for
    that role. Human input (the CLI's `--role`) is upper-cased before it gets here.
    """
    if not isinstance(value, str):
        return None
    for role in ROLES:
        if role == value:
            return role
    return None


@dataclass(frozen=True, slots=True)
class Viewer:
    """The authenticated caller.

    `credential_id` identifies the credential, not the person: the ApiKey node's id for an API
    key, and the token's `jti` (else its subject, else the user id) for a JWT. Rate limits are
    kept per `rate_key`.
    """

    user_id: str
    email: str
    name: str
    role: Role
    kind: CredentialKind
    credential_id: str

    @property
    def is_admin(self) -> bool:
        return self.role == "ADMIN"

    @property
    def rate_key(self) -> str:
        # A JWT is re-issued every few minutes, so its bucket is the user's, not the token's.
        return f"key:{self.credential_id}" if self.kind == "api_key" else f"jwt:{self.user_id}"
