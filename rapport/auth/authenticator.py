"""Turns an `Authorization: Bearer …` value into a `Viewer`, or refuses with a clear reason.

Cost per request: a verified credential is cached in-process for RAPPORT_AUTH_CACHE_TTL seconds
(30 by default), keyed by the SHA-256 of the token, so a busy client pays one database look-up
per TTL, not one per request. The flip side is that revoking a key, or changing a user's role,
takes effect within that TTL (at once in a process that calls `forget` after revoking).
`lastUsedAt` is written in the background at most once a minute per key
(RAPPORT_KEY_LAST_USED_INTERVAL), never on the request's critical path.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from core.settings import Settings
from core.viewer import Viewer, parse_role
from graphdb import auth as cypher
from graphdb.driver import DatabaseUnavailable, Graph
from rapport.auth import keys
from rapport.auth.jwt_tokens import JwtRejected, JwtVerifier

log = logging.getLogger("rapport.auth")

MAX_TOKEN_LENGTH = 8192
_CACHE_MAX_ENTRIES = 10_000

MISSING = (
    "Authentication required: send `Authorization: Bearer <token>` with an API key "
    "(rpk_…) or a JWT."
)


class AuthError(Exception):
    """Authentication failed; `message` is meant for the client, `missing` picks the header."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.missing = missing


class _TtlCache:
    """A small bounded TTL map (oldest entries go first)."""

    def __init__(self, ttl_s: float, max_entries: int = _CACHE_MAX_ENTRIES) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, tuple[float, Viewer]] = OrderedDict()

    def get(self, key: bytes, now: float) -> Viewer | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= now:
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: bytes, viewer: Viewer, expires_at: float) -> None:
        if self.ttl_s <= 0:
            return
        self._entries[key] = (expires_at, viewer)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def drop_credential(self, credential_id: str) -> None:
        for key in [k for k, (_, v) in self._entries.items() if v.credential_id == credential_id]:
            del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()


def bearer_token(authorization: str | None) -> str:
    """The token of an Authorization header value, or AuthError explaining what is wrong."""
    if authorization is None or not authorization.strip():
        raise AuthError(MISSING, missing=True)
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise AuthError("The Authorization header must use the Bearer scheme: `Bearer <token>`.")
    token = token.strip()
    if not token or " " in token or len(token) > MAX_TOKEN_LENGTH:
        raise AuthError("The bearer token is empty or malformed.")
    return token


class Authenticator:
    """One per process: verifies API keys and JWTs, caches results, records key usage."""

    def __init__(self, settings: Settings, graph: Callable[[], Graph]) -> None:
        self._settings = settings
        self._graph = graph
        self._jwt = JwtVerifier.from_settings(settings)
        self._cache = _TtlCache(settings.auth_cache_ttl_s)
        self._last_marked: dict[str, float] = {}
        self._pending_marks: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def authenticate_header(self, authorization: str | None) -> Viewer:
        return await self.authenticate(bearer_token(authorization))

    async def authenticate(self, token: str, *, fresh: bool = False) -> Viewer:
        """The viewer a token proves; `fresh` skips the cache (and refreshes it)."""
        now = time.monotonic()
        cache_key = hashlib.sha256(token.encode()).digest()
        viewer = None if fresh else self._cache.get(cache_key, now)
        if viewer is None:
            if token.startswith(f"{keys.TOKEN_SCHEME}_"):
                viewer = await self._api_key(token)
                expires_at = now + self._settings.auth_cache_ttl_s
            else:
                viewer, exp = await self._jwt_viewer(token)
                expires_at = min(now + self._settings.auth_cache_ttl_s, now + (exp - time.time()))
            self._cache.put(cache_key, viewer, expires_at)
        if viewer.kind == "api_key":
            self._note_use(viewer.credential_id, now)
        return viewer

    def forget(self, credential_id: str) -> None:
        """Drop cached results for a credential (call it after revoking in this process)."""
        self._cache.drop_credential(credential_id)

    def clear_cache(self) -> None:
        self._cache.clear()

    # --- API keys -------------------------------------------------------------------------------

    async def _api_key(self, token: str) -> Viewer:
        parsed = keys.parse_token(token)
        if parsed is None:
            raise AuthError("Invalid API key: malformed (expected rpk_<prefix>_<secret>).")
        prefix, secret = parsed
        stored = await keys.find_key(self._graph(), prefix)
        # Hash even when the prefix is unknown, so timing does not tell which prefixes exist.
        expected = stored.hash if stored else keys.hash_secret("", b"\0" * 16)
        if not keys.verify_secret(secret, expected) or stored is None:
            raise AuthError("Invalid API key.")
        if stored.revoked:
            raise AuthError(f"API key rpk_{prefix} has been revoked.")
        role = parse_role(stored.role)
        if role is None:
            raise AuthError(f"The user owning this key has no valid role ({stored.role!r}).")
        return Viewer(
            user_id=stored.user_id,
            email=stored.email,
            name=stored.name,
            role=role,
            kind="api_key",
            credential_id=stored.key_id,
        )

    def _note_use(self, key_id: str, now: float) -> None:
        interval = self._settings.key_last_used_interval_s
        if interval <= 0:
            return
        last = self._last_marked.get(key_id)
        if last is not None and now - last < interval:
            return
        self._last_marked[key_id] = now
        if len(self._last_marked) > _CACHE_MAX_ENTRIES:
            self._last_marked = {k: t for k, t in self._last_marked.items() if now - t < interval}
        self._pending_marks.add(key_id)
        if len(self._pending_marks) == 1:  # one flush task batches every key noted meanwhile
            task = asyncio.get_running_loop().create_task(self._flush_marks())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _flush_marks(self) -> None:
        await asyncio.sleep(0)  # let the request that noted the use go first
        ids = sorted(self._pending_marks)
        self._pending_marks.clear()
        try:
            await keys.mark_used(self._graph(), ids)
        except DatabaseUnavailable:  # the outage itself is logged once, by the driver
            log.info("lastUsedAt of %d key(s) not recorded: database unavailable", len(ids))
        except Exception:  # bookkeeping must never fail a request or crash the loop
            log.warning("could not record lastUsedAt for %d key(s)", len(ids), exc_info=True)

    async def drain(self) -> None:
        """Wait for background writes (at shutdown, and in tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- JWT ------------------------------------------------------------------------------------

    async def _jwt_viewer(self, token: str) -> tuple[Viewer, float]:
        if self._jwt is None:
            raise AuthError(
                "Invalid token: not an API key (rpk_…), and this server accepts no JWTs."
            )
        try:
            claims = await self._jwt.decode(token)
        except JwtRejected as exc:
            raise AuthError(f"Invalid JWT: {exc}") from exc
        settings = self._settings
        email_claim = claims.get(settings.jwt_email_claim)
        if not isinstance(email_claim, str) or not email_claim.strip():
            raise AuthError(f"Invalid JWT: no {settings.jwt_email_claim!r} claim.")
        try:
            email = keys.normalise_email(email_claim)
        except keys.ApiKeyError as exc:
            raise AuthError(f"Invalid JWT: {settings.jwt_email_claim!r} is not an e-mail.") from exc
        claimed_role = None
        if settings.jwt_role_claim in claims:
            claimed_role = parse_role(claims[settings.jwt_role_claim])
            if claimed_role is None:
                raise AuthError(
                    f"Invalid JWT: claim {settings.jwt_role_claim!r} must be one of "
                    "ADMIN, MANAGER, SALES, ANALYST."
                )
        user = await self._user_for(email, claimed_role, claims)
        role = claimed_role or parse_role(user["role"])
        if role is None:
            raise AuthError(f"User {email} has no valid role.")
        credential = claims.get("jti") or claims.get("sub") or user["id"]
        viewer = Viewer(
            user_id=user["id"],
            email=email,
            name=user["name"] or email,
            role=role,
            kind="jwt",
            credential_id=str(credential),
        )
        return viewer, float(claims["exp"])

    async def _user_for(self, email: str, role: str | None, claims: dict[str, Any]) -> Any:
        graph = self._graph()
        rows = await graph.read(
            cypher.FIND_USER,
            {"email": email},
        )
        if rows:
            return rows[0]
        if not self._settings.jwt_auto_provision:
            raise AuthError(f"No Rapport user has the e-mail {email}; ask an admin to add you.")
        if role is None:
            raise AuthError(
                f"Cannot create a user for {email}: the token has no "
                f"{self._settings.jwt_role_claim!r} claim."
            )
        name = claims.get("name")
        rows = await graph.write(
            cypher.PROVISION_USER,
            {
                "email": email,
                "id": str(uuid.uuid4()),
                "name": name if isinstance(name, str) and name.strip() else email.split("@")[0],
                "role": role,
            },
        )
        log.info("provisioned user %s with role %s from a JWT", email, role)
        return rows[0]
