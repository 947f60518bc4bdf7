"""Pure-ASGI middleware, outermost first: request id and security headers, CORS (Starlette's),
body size limit, then authentication and the per-credential rate limit.

Every response carries `X-Request-Id`; every error body produced here is JSON
`{"error": …, "requestId": …}` with the same id, and log lines about the request carry it too.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable, Iterable

import orjson
from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings
from rapport.auth.authenticator import AuthError
from rapport.security.gate import Gate, RateLimited

log = logging.getLogger("rapport.http")

REQUEST_ID_HEADER = "x-request-id"
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")

#: For JSON and every other non-HTML response: nothing may load, nothing may frame it.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "rapport_request_id", default="-"
)


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to every log record (use `%(request_id)s` in a format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def request_id_of(scope: Scope) -> str:
    state = scope.get("state") or {}
    return str(state.get("request_id", request_id_var.get()))


async def send_json_error(
    send: Send,
    status: int,
    message: str,
    request_id: str,
    headers: Iterable[tuple[str, str]] = (),
    *,
    code: str = "BAD_REQUEST",
) -> None:
    """`{"error", "requestId"}` plus the same as GraphQL `errors`, for GraphQL clients."""
    error = {"message": message, "extensions": {"code": code, "requestId": request_id}}
    body = orjson.dumps({"error": message, "requestId": request_id, "errors": [error]})
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in headers),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Assigns the request id and adds the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hsts = settings.env == "production"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        offered = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = offered if _CLIENT_REQUEST_ID.match(offered) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Content-Security-Policy", API_CSP)
                headers.setdefault("Cache-Control", "no-store")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            request_id_var.reset(token)


class _BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """413 for a body over `max_bytes`: by Content-Length up front, else while it streams in."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.max_bytes = settings.max_body_bytes

    def _message(self) -> str:
        return f"Request body too large: the limit is {self.max_bytes} bytes."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await send_json_error(
                    send, 400, "Invalid Content-Length header.", request_id, code="BAD_REQUEST"
                )
                return
            if int(declared) > self.max_bytes:
                await send_json_error(send, 413, self._message(), request_id, code="BODY_TOO_LARGE")
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await send_json_error(send, 413, self._message(), request_id, code="BODY_TOO_LARGE")


IsPublic = Callable[[Scope], bool]


def is_public_request(scope: Scope) -> bool:
    """Health, readiness, the playground's page, the explorer's shell (/app) and their static
    assets need no token (the explorer's own GraphQL requests do).

    The playground page test mirrors Strawberry's own (`should_render_graphql_ide`): a GET
    without a `query` parameter that accepts HTML. Anything else on /graphql executes GraphQL.
    """
    path: str = scope["path"]
    method: str = scope["method"]
    if method not in ("GET", "HEAD"):
        return False
    if path in ("/healthz", "/readyz") or path.startswith("/playground/assets/"):
        return True
    if path == "/app" or path.startswith("/app/"):
        return True
    if path == "/graphql" and method == "GET":
        accept = Headers(scope=scope).get("accept", "")
        has_query = QueryParams(scope.get("query_string", b"").decode("latin-1")).get("query")
        return has_query is None and ("text/html" in accept or "*/*" in accept)
    return False


class AuthMiddleware:
    """401 without a valid bearer token, 429 over the rate limit; else `state.viewer` is set.

    Both decisions are `Gate.admit`'s, the same that WebSocket operations go through.
    WebSocket handshakes pass: they authenticate in graphql-transport-ws `connection_init` and
    again for every operation. Anonymous `/readyz` probes are rate-limited per client address.
    """

    def __init__(self, app: ASGIApp, gate: Gate, is_public: IsPublic = is_public_request) -> None:
        self.app = app
        self.gate = gate
        self.is_public = is_public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        client = client_address(scope)
        try:
            if self.is_public(scope):
                if scope["path"] == "/readyz":
                    self.gate.charge_anonymous(client)
                await self.app(scope, receive, send)
                return
            viewer = await self.gate.admit(Headers(scope=scope).get("authorization"), client)
        except AuthError as exc:
            log.info("401 %s (request id %s): %s", scope["path"], request_id, exc)
            challenge = 'Bearer realm="rapport"'
            if not exc.missing:
                challenge += ', error="invalid_token"'
            await send_json_error(
                send,
                401,
                exc.message,
                request_id,
                [("WWW-Authenticate", challenge)],
                code="UNAUTHENTICATED",
            )
            return
        except RateLimited as exc:
            log.info("429 %s from %s (request id %s)", scope["path"], client, request_id)
            await send_json_error(
                send,
                429,
                exc.message,
                request_id,
                [("Retry-After", str(exc.retry_after))],
                code="RATE_LIMITED",
            )
            return
        scope.setdefault("state", {})["viewer"] = viewer
        await self.app(scope, receive, send)


def client_address(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None
