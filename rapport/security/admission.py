"""Admission control: a bounded number of requests in flight, per process and per viewer.

Beyond the bound a request is not queued (queueing is what made p99 grow with concurrency:
every client waited behind every other one) but answered at once with 503, code OVERLOADED and
`Retry-After`, so the requests that were admitted keep their latency. The bound per viewer keeps
one busy client (a script, a runaway retry loop) from taking every slot.

The process bound is checked before authentication (a refusal costs nothing, not even the
API-key look-up), the viewer bound right after it. Health, readiness and the playground's page
are never refused here, and WebSocket connections are counted by the rate limiter instead.
docs/operations.md gives the guarantees; `bench/admission.py` measures them.
"""

from __future__ import annotations

import logging
from collections import Counter

from starlette.types import ASGIApp, Receive, Scope, Send

from core.settings import Settings
from rapport.security.middleware import is_public_request, request_id_of
from rapport.security.unavailable import send_service_unavailable

log = logging.getLogger("rapport.http")

OVERLOADED = "OVERLOADED"
#: Overload passes in well under a second; a client is told to come back after this.
OVERLOAD_RETRY_AFTER_S = 1


class Admission:
    """The counters: requests in flight in this process, and per viewer (`Viewer.rate_key`)."""

    def __init__(self, max_in_flight: int, max_per_viewer: int) -> None:
        self.max_in_flight = max_in_flight
        self.max_per_viewer = max_per_viewer
        self.in_flight = 0
        self.by_viewer: Counter[str] = Counter()
        self.refused = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> Admission:
        return cls(settings.max_in_flight, settings.max_in_flight_per_viewer)

    def process_refusal(self) -> str | None:
        if self.max_in_flight and self.in_flight >= self.max_in_flight:
            return (
                f"The server is at its limit of {self.max_in_flight} requests in flight; "
                f"retry after {OVERLOAD_RETRY_AFTER_S} s."
            )
        return None

    def viewer_refusal(self, viewer_key: str) -> str | None:
        if self.max_per_viewer and self.by_viewer[viewer_key] >= self.max_per_viewer:
            return (
                f"You have {self.max_per_viewer} requests in flight already (the limit per "
                f"client); wait for them, or retry after {OVERLOAD_RETRY_AFTER_S} s."
            )
        return None

    def enter(self) -> None:
        self.in_flight += 1

    def leave(self) -> None:
        self.in_flight -= 1

    def enter_viewer(self, viewer_key: str) -> None:
        self.by_viewer[viewer_key] += 1

    def leave_viewer(self, viewer_key: str) -> None:
        self.by_viewer[viewer_key] -= 1
        if self.by_viewer[viewer_key] <= 0:
            del self.by_viewer[viewer_key]


async def _refuse(send: Send, scope: Scope, admission: Admission, message: str, who: str) -> None:
    admission.refused += 1
    log.info("503 overloaded for %s (request id %s)", who, request_id_of(scope))
    await send_service_unavailable(
        send,
        code=OVERLOADED,
        message=message,
        request_id=request_id_of(scope),
        retry_after_s=OVERLOAD_RETRY_AFTER_S,
    )


class ProcessAdmissionMiddleware:
    """The bound per process, before authentication: a refusal costs no database look-up."""

    def __init__(self, app: ASGIApp, admission: Admission) -> None:
        self.app = app
        self.admission = admission

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public_request(scope):
            await self.app(scope, receive, send)
            return
        refusal = self.admission.process_refusal()
        if refusal is not None:
            await _refuse(send, scope, self.admission, refusal, "the process")
            return
        self.admission.enter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.admission.leave()


class ViewerAdmissionMiddleware:
    """The bound per viewer, after authentication (which names the viewer)."""

    def __init__(self, app: ASGIApp, admission: Admission) -> None:
        self.app = app
        self.admission = admission

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        viewer = (scope.get("state") or {}).get("viewer") if scope["type"] == "http" else None
        if viewer is None:
            await self.app(scope, receive, send)
            return
        key = str(viewer.rate_key)
        refusal = self.admission.viewer_refusal(key)
        if refusal is not None:
            await _refuse(send, scope, self.admission, refusal, key)
            return
        self.admission.enter_viewer(key)
        try:
            await self.app(scope, receive, send)
        finally:
            self.admission.leave_viewer(key)
