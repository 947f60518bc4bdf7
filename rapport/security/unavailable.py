"""One answer for "the database is unavailable", wherever it is noticed.

`graphdb.driver.Graph` turns every way of not reaching Neo4j within the retry budget into
`DatabaseUnavailable`. Clients then always get the same thing (docs/operations.md):

- HTTP status 503 with `Retry-After`, the request id and the usual security headers;
- a JSON body that is a GraphQL response, `errors[0].extensions.code` = DATABASE_UNAVAILABLE,
  plus the `error` / `requestId` keys of the middleware's other error bodies.

Two places produce it: `DatabaseUnavailableMiddleware` when the failure escapes an ASGI layer
(authentication looks the API key up before GraphQL runs), and `DatabaseUnavailableStatus` when
a resolver raised it inside a GraphQL operation (the body is then Strawberry's, the status and
`Retry-After` are set here). No traceback is logged: the driver logs one line per outage.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from graphdb.driver import CommitUnknown, DatabaseUnavailable, QueryTimedOut, QueryTooLarge
from rapport.security.middleware import request_id_of
from schema.context import RequestContext


class _QuietOperationalErrors(logging.Filter):
    """Strawberry logs every GraphQL error with its traceback ("strawberry.execution"); for an
    outage or a lost commit that is one traceback per request, and the driver already logs the
    outage once; a query stopped by the transaction timeout or memory limit is the client's to
    fix, and MaskInternalErrors logs it in one line with its request id. Those records are
    dropped; every other error is logged as before."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(
            exc, DatabaseUnavailable | CommitUnknown | QueryTimedOut | QueryTooLarge
        )


logging.getLogger("strawberry.execution").addFilter(_QuietOperationalErrors())


def service_unavailable_body(code: str, message: str, request_id: str, retry_after_s: int) -> bytes:
    """A 503 body: a GraphQL error response that also has the middleware's error keys."""
    extensions = {"code": code, "retryAfter": retry_after_s, "requestId": request_id}
    return orjson.dumps(
        {
            "errors": [{"message": message, "extensions": extensions}],
            "error": message,
            "code": code,
            "requestId": request_id,
        }
    )


async def send_service_unavailable(
    send: Send, *, code: str, message: str, request_id: str, retry_after_s: int
) -> None:
    """503 with `Retry-After` and the JSON body above (database unavailable, overload)."""
    body = service_unavailable_body(code, message, request_id, retry_after_s)
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after_s).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class DatabaseUnavailableMiddleware:
    """Maps a `DatabaseUnavailable` escaping the inner layers to the 503 answer.

    Sits inside RequestContextMiddleware (so the answer has the request id and the security
    headers) and outside AuthMiddleware (whose API-key look-up reads the database).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except DatabaseUnavailable as exc:
            if started:
                raise
            await send_service_unavailable(
                send,
                code=exc.CODE,
                message=exc.message,
                request_id=request_id_of(scope),
                retry_after_s=exc.retry_after_s,
            )


class DatabaseUnavailableStatus(SchemaExtension):
    """A GraphQL operation in which any field met `DatabaseUnavailable` answers 503."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        result = self.execution_context.result
        if not isinstance(context, RequestContext) or result is None or not result.errors:
            return
        for error in result.errors:
            original = error.original_error
            if isinstance(original, DatabaseUnavailable) or isinstance(error, DatabaseUnavailable):
                unavailable = original if isinstance(original, DatabaseUnavailable) else error
                assert isinstance(unavailable, DatabaseUnavailable)
                if isinstance(context.response, Response):
                    context.response.status_code = 503
                    context.response.headers["Retry-After"] = str(unavailable.retry_after_s)
                return
