"""API keys: `rpk_<prefix>_<secret>`, stored as a salted SHA-256 hash, shown once.

Storage: `(:User)-[:HAS_KEY]->(:ApiKey {id, name, prefix, hash, createdAt, lastUsedAt,
revokedAt})`. The prefix is public (it names the key in `rapport token list` and `revoke`) and
finds the node through a unique index; the secret is 256 random bits that never reach the
database. A fast hash is right for such a secret (nobody can brute-force 2^256 guesses, so a slow
KDF would only cost latency), and a per-key salt means two keys never share a hash and no table
can be precomputed. No server-side pepper is needed, so there is no extra secret to lose or
rotate; docs/security.md explains the choice.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.viewer import Role, parse_role
from graphdb import auth as cypher
from graphdb.driver import Graph

TOKEN_SCHEME = "rpk"  # noqa: S105 - the public scheme prefix, not a secret
_PREFIX_BYTES = 5  # 10 hex characters: a readable name with ~10^12 values
_SECRET_BYTES = 32
_HASH_ALGORITHM = "sha256"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EMAIL = re.compile(rf"^[^@\s]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")


class ApiKeyError(ValueError):
    """A key cannot be created as asked (the message says why)."""


@dataclass(frozen=True)
class NewApiKey:
    """A freshly created key. `token` exists only here: it is not stored anywhere."""

    token: str
    key_id: str
    prefix: str
    name: str
    user_id: str
    email: str
    role: Role
    user_created: bool


@dataclass(frozen=True)
class ApiKeyInfo:
    """What `rapport token list` shows: never the secret or its hash."""

    key_id: str
    prefix: str
    name: str
    email: str
    role: str
    created_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class StoredKey:
    """A key row found by prefix, with its owner, for verification."""

    key_id: str
    hash: str
    revoked: bool
    user_id: str
    email: str
    name: str
    role: str


def normalise_email(email: str) -> str:
    """Lower-cased and checked for a plausible `local@domain.tld` shape.

    Staff accounts may live on internal or special-use domains (`admin@rapport.local`,
    `…@corp.internal`) that the customer-data validator rightly refuses, so this check is
    syntactic only.
    """
    text = email.strip().lower()
    if len(text) > 254 or not _EMAIL.match(text):
        raise ApiKeyError(f"{email!r} is not a valid e-mail address")
    return text


def generate_token() -> tuple[str, str, str]:
    """A new (token, prefix, secret)."""
    prefix = secrets.token_hex(_PREFIX_BYTES)
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    return f"{TOKEN_SCHEME}_{prefix}_{secret}", prefix, secret


def parse_token(token: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key, else None. The secret may itself contain `_`."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_SCHEME:
        return None
    prefix, secret = parts[1], parts[2]
    if len(prefix) != 2 * _PREFIX_BYTES or not all(c in "0123456789abcdef" for c in prefix):
        return None
    if not 16 <= len(secret) <= 128:
        return None
    return prefix, secret


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    """`sha256$<salt hex>$<digest hex>`; the algorithm is named so it can change later."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.sha256(salt + secret.encode()).hexdigest()
    return f"{_HASH_ALGORITHM}${salt.hex()}${digest}"


def verify_secret(secret: str, stored: str) -> bool:
    """Constant-time comparison of `secret` against a stored hash."""
    try:
        algorithm, salt_hex, digest = stored.split("$")
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    if algorithm != _HASH_ALGORITHM:
        return False
    candidate = hashlib.sha256(salt + secret.encode()).hexdigest()
    return hmac.compare_digest(candidate, digest)


async def create_api_key(
    graph: Graph,
    *,
    email: str,
    name: str,
    role: str | None = None,
    user_name: str | None = None,
) -> NewApiKey:
    """Create a key for the user with `email`, creating that user (with `role`) if missing.

    A key acts with its user's role. Asking for a role that differs from an existing user's is
    refused rather than silently changing what the user may do.
    """
    email = normalise_email(email)
    wanted = parse_role(role.strip().upper()) if isinstance(role, str) else None
    if role is not None and wanted is None:
        raise ApiKeyError(f"unknown role {role!r}; use ADMIN, MANAGER, SALES or ANALYST")
    if not name.strip():
        raise ApiKeyError("a key needs a --name that says what it is for")
    existing = await graph.read(cypher.FIND_USER, {"email": email})
    if existing:
        if wanted is not None and existing[0]["role"] != wanted:
            raise ApiKeyError(
                f"user {email} exists with role {existing[0]['role']}; omit --role or change "
                "the user's role first"
            )
    elif wanted is None:
        raise ApiKeyError(f"no user {email} yet: give --role to create it")
    token, prefix, secret = generate_token()
    key_id = str(uuid.uuid4())
    rows = await graph.write(
        cypher.CREATE_KEY,
        {
            "email": email,
            "userId": str(uuid.uuid4()),
            "userName": (user_name or email.split("@")[0]).strip(),
            "role": wanted,
            "keyId": key_id,
            "keyName": name.strip(),
            "prefix": prefix,
            "hash": hash_secret(secret),
        },
    )
    row = rows[0]
    return NewApiKey(
        token=token,
        key_id=key_id,
        prefix=prefix,
        name=name.strip(),
        user_id=row["userId"],
        email=email,
        role=parse_role(row["role"]) or "ANALYST",
        user_created=bool(row["created"]),
    )


def _info(row: dict[str, Any]) -> ApiKeyInfo:
    def when(value: Any) -> datetime | None:
        return value.to_native() if value is not None else None

    return ApiKeyInfo(
        key_id=row["id"],
        prefix=row["prefix"],
        name=row["name"],
        email=row["email"],
        role=row["role"],
        created_at=when(row["createdAt"]),
        last_used_at=when(row["lastUsedAt"]),
        revoked_at=when(row["revokedAt"]),
    )


async def list_api_keys(graph: Graph, email: str | None = None) -> list[ApiKeyInfo]:
    params = {"email": normalise_email(email) if email else None}
    return [_info(row) for row in await graph.read(cypher.LIST_KEYS, params)]


async def revoke_api_key(graph: Graph, prefix_or_token: str) -> ApiKeyInfo | None:
    """Revoke by prefix (`3f9a…`, `rpk_3f9a…` or the whole key). None when no such key."""
    text = prefix_or_token.strip()
    if text.startswith(f"{TOKEN_SCHEME}_"):
        text = text.split("_")[1]
    rows = await graph.write(cypher.REVOKE_KEY, {"prefix": text.lower()})
    return _info(rows[0]) if rows else None


async def find_key(graph: Graph, prefix: str) -> StoredKey | None:
    rows = await graph.read(cypher.FIND_KEY, {"prefix": prefix})
    if not rows:
        return None
    row = rows[0]
    return StoredKey(
        key_id=row["keyId"],
        hash=row["hash"] or "",
        revoked=bool(row["revoked"]),
        user_id=row["userId"],
        email=row["email"],
        name=row["name"] or row["email"],
        role=row["role"],
    )


async def mark_used(graph: Graph, key_ids: list[str]) -> None:
    await graph.write(
        cypher.MARK_KEYS_USED,
        {"ids": key_ids},
    )


async def has_active_admin_key(graph: Graph) -> bool:
    rows = await graph.read(cypher.ACTIVE_ADMIN_KEY)
    return bool(rows and rows[0]["found"])


async def ensure_api_key(
    graph: Graph, *, token: str, email: str, role: Role, name: str, user_id: str
) -> tuple[str, str]:
    """Make `token` a valid, unrevoked key of user `email` with `role`, creating what is missing.

    Idempotent, for provisioning a key that was generated elsewhere (a secret manager, the test
    suite) rather than shown by `create_api_key`. Returns (user id, key id).
    """
    parsed = parse_token(token)
    if parsed is None:
        raise ApiKeyError("malformed API key")
    prefix, secret = parsed
    rows = await graph.write(
        cypher.ENSURE_KEY,
        {
            "email": normalise_email(email),
            "userId": user_id,
            "userName": email.split("@")[0],
            "role": role,
            "prefix": prefix,
            "keyId": str(uuid.uuid4()),
            "keyName": name,
            "hash": hash_secret(secret),
        },
    )
    return rows[0]["userId"], rows[0]["keyId"]
