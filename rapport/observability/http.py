"""The ASGI middleware that measures and logs every HTTP request and answers `GET /metrics`.

It sits right inside `RequestContextMiddleware` (so the request id exists and `/metrics` gets
the security headers) and outside everything that can refuse a request, so refusals (401, 429,
503 OVERLOADED, 413…) are counted too. What a GraphQL operation was, and how it ended, comes
from the `RequestContext` the view leaves in `request.state.graphql_context`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import orjson
from opentelemetry import propagate, trace
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings
from graphdb.driver import Graph, watch_sessions
from rapport.observability import metrics
from rapport.observability.logs import request_event
from rapport.security.middleware import send_json_error
from resolvers.changes import FEED_LISTENERS
from resolvers.io.importing import IMPORT_LISTENERS
from schema.context import RequestContext

access_log = logging.getLogger("rapport.access")
_tracer = trace.get_tracer("rapport.http")

METRICS_PATH = "/metrics"
#: Neo4j is pinged at most this often for `rapport_neo4j_up`, each ping within the timeout.
UP_CHECK_EVERY_S = 1.0
UP_CHECK_TIMEOUT_S = 1.0


def route_of(path: str) -> str:
    """A bounded label for a path (a client cannot invent new series)."""
    if path in ("/graphql", "/healthz", "/readyz", METRICS_PATH):
        return path[1:]
    if path == "/app" or path.startswith("/app/"):
        return "app"
    if path.startswith("/playground"):
        return "playground"
    return "other"


def _error_code(body: bytes) -> str | None:
    """`errors[0].extensions.code` of a small JSON error body, if it is one."""
    if not body or len(body) > 16_384:
        return None
    try:
        document = orjson.loads(body)
        code = document["errors"][0]["extensions"]["code"]
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
        return None
    return code if isinstance(code, str) else None


class ObservabilityMiddleware:
    """Counts, times and logs each HTTP request; serves the metrics (docs/operations.md)."""

    def __init__(self, app: ASGIApp, settings: Settings, graph_holder: dict[str, Graph]) -> None:
        self.app = app
        token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
        self.token = token or None  # an empty RAPPORT_METRICS_TOKEN= is no token
        #: without a token, production does not serve /metrics at all (404)
        self.serve_metrics = self.token is not None or settings.env == "development"
        self.graph_holder = graph_holder
        self._checked_at = -UP_CHECK_EVERY_S
        self._up_lock = asyncio.Lock()
        watch_sessions(metrics.pool_delta)
        if metrics.import_rows not in IMPORT_LISTENERS:
            IMPORT_LISTENERS.append(metrics.import_rows)
        if metrics.subscription_opened not in FEED_LISTENERS.opened:
            FEED_LISTENERS.opened.append(metrics.subscription_opened)
            FEED_LISTENERS.closed.append(metrics.subscription_closed)
            FEED_LISTENERS.delivered.append(metrics.events_delivered)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == METRICS_PATH:
            await self._metrics(scope, send)
            return
        started = time.perf_counter()
        status = 500
        error_body = b""

        async def observed_send(message: Message) -> None:
            nonlocal status, error_body
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and status >= 400 and not error_body:
                error_body = bytes(message.get("body", b""))
            await send(message)

        headers = Headers(scope=scope)
        route = route_of(scope["path"])
        with _tracer.start_as_current_span(
            f"{scope['method']} /{route}",
            context=propagate.extract(dict(headers)),
            kind=trace.SpanKind.SERVER,
            attributes={
                "http.request.method": scope["method"],
                "http.route": f"/{route}",
                "rapport.request_id": str((scope.get("state") or {}).get("request_id", "")),
            },
        ) as span:
            try:
                await self.app(scope, receive, observed_send)
            finally:
                span.set_attribute("http.response.status_code", status)
                self._observe(scope, status, error_body, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, error_body: bytes, seconds: float) -> None:
        route = route_of(scope["path"])
        metrics.HTTP_REQUESTS.labels(route=route, status=str(status)).inc()
        state = scope.get("state") or {}
        context = state.get("graphql_context")
        viewer = state.get("viewer")
        event: dict[str, Any] = {
            "method": scope["method"],
            "route": route,
            "status": status,
            "durationMs": round(seconds * 1000, 2),
        }
        if isinstance(context, RequestContext):
            facts = context.operation
            database_s = sum(ms for _, ms in context.statements.entries) / 1000
            metrics.observe_operation(
                name=facts.name,
                type_=facts.type,
                outcome=facts.outcome,
                seconds=seconds,
                statements=context.statements.count,
                database_s=database_s,
                error_codes=facts.error_codes,
            )
            event.update(
                operation=metrics.operation_label(facts.name),
                operationType=facts.type,
                outcome=facts.outcome,
                statements=context.statements.count,
                databaseMs=round(database_s * 1000, 2),
            )
            if facts.error_codes:
                event["errorCodes"] = sorted(set(facts.error_codes))
        elif status >= 400:
            code = _error_code(error_body) or f"HTTP_{status}"
            metrics.refused(code)
            event.update(outcome="refused", errorCodes=[code])
        if viewer is not None:
            event["viewerId"] = getattr(viewer, "user_id", None)
            event["credentialId"] = getattr(viewer, "credential_id", None)
        request_event(access_log, event)

    async def _metrics(self, scope: Scope, send: Send) -> None:
        request_id = str((scope.get("state") or {}).get("request_id", "-"))
        if not self.serve_metrics:
            await send_json_error(
                send,
                404,
                "Metrics are not served: set RAPPORT_METRICS_TOKEN to serve them at /metrics.",
                request_id,
                code="NOT_FOUND",
            )
            return
        if scope["method"] not in ("GET", "HEAD"):
            await send_json_error(
                send,
                405,
                "GET /metrics only.",
                request_id,
                [("Allow", "GET")],
                code="METHOD_NOT_ALLOWED",
            )
            return
        if not metrics.authorized(self.token, Headers(scope=scope).get("authorization")):
            await send_json_error(
                send,
                401,
                "The metrics need `Authorization: Bearer <RAPPORT_METRICS_TOKEN>`.",
                request_id,
                [("WWW-Authenticate", 'Bearer realm="rapport-metrics"')],
                code="UNAUTHENTICATED",
            )
            return
        await self._check_up()
        await metrics.send_exposition(send)

    async def _check_up(self) -> None:
        graph = self.graph_holder.get("graph")
        if graph is None:
            return
        async with self._up_lock:
            if time.monotonic() - self._checked_at < UP_CHECK_EVERY_S:
                return
            up = await graph.ping(timeout_s=UP_CHECK_TIMEOUT_S)
            metrics.NEO4J_UP.set(1 if up else 0)
            self._checked_at = time.monotonic()
