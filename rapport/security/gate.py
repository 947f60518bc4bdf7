"""The one authentication and rate-limit path, shared by HTTP requests and WebSocket operations.

`Gate.admit(authorization, client)` is asked once per HTTP request and once per WebSocket
operation (and periodically during a long subscription), so a revoked key, a changed role or an
exhausted rate limit stops a socket exactly as it stops HTTP, within the auth cache TTL.

A client address that keeps sending bad credentials is limited too: each failure takes a token
from the address's bucket, and an address whose bucket is empty gets 429 without a database
look-up. Anonymous probes that touch the database (`/readyz`) are limited per address likewise.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.viewer import Viewer
from rapport.auth.authenticator import Authenticator, AuthError, bearer_token
from rapport.security.ratelimit import TokenBucketLimiter


@dataclass
class RateLimited(Exception):
    """Over the limit; `retry_after` whole seconds, `message` for the client."""

    retry_after: int
    message: str


class Gate:
    def __init__(self, authenticator: Authenticator, limiter: TokenBucketLimiter) -> None:
        self.authenticator = authenticator
        self.limiter = limiter
        #: Failed authentications per client address (same rate as a credential's requests).
        self.failures = TokenBucketLimiter(limiter.rate, limiter.burst)
        #: Anonymous database-touching probes (/readyz) per client address.
        self.anonymous = TokenBucketLimiter(limiter.rate, limiter.burst)

    def _refuse(self, limiter: TokenBucketLimiter, wait: float, what: str) -> RateLimited:
        retry = limiter.retry_after(wait)
        return RateLimited(
            retry,
            f"Rate limit exceeded: at most {limiter.rate:g} {what} (bursts of "
            f"{limiter.burst}). Retry after {retry} s.",
        )

    async def admit(self, authorization: str | None, client: str | None) -> Viewer:
        """The viewer for an Authorization value; AuthError or RateLimited otherwise."""
        address = f"ip:{client or '-'}"
        wait = self.failures.wait(address)
        if wait > 0:
            raise self._refuse(
                self.failures, wait, "failed authentications per second from one address"
            )
        try:
            viewer = await self.authenticator.authenticate(bearer_token(authorization))
        except AuthError:
            self.failures.acquire(address)
            raise
        return self.charge(viewer)

    def charge(self, viewer: Viewer) -> Viewer:
        """Take one request from the viewer's bucket, or RateLimited."""
        wait = self.limiter.acquire(viewer.rate_key)
        if wait > 0:
            raise self._refuse(self.limiter, wait, "requests per second per token")
        return viewer

    def charge_anonymous(self, client: str | None) -> None:
        wait = self.anonymous.acquire(f"ip:{client or '-'}")
        if wait > 0:
            raise self._refuse(self.anonymous, wait, "anonymous probes per second from one address")
