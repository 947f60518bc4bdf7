"""GraphQL over HTTP: how /graphql decodes a request, runs it and answers.

Strawberry's ASGI view does the WebSocket side; the HTTP side is ours so that it follows the
GraphQL-over-HTTP spec to the letter:

- the request is decoded by the one decoder (`rapport.security.body`): a body that is not a JSON
  object, not UTF-8, too deep, or a batch is a 400, never a 500;
- the answer is `application/graphql-response+json` when the client's `Accept` asks for it
  (then a request that fails before execution, a parse, validation or variable error, is a 400
  without `data`), else `application/json` with 200 for every well-formed request;
- every error body is JSON GraphQL errors with `extensions.code` and `extensions.requestId`;
- GET runs queries only (a mutation is 405 with `Allow: POST`); a subscription needs a
  WebSocket and says so;
- the operation is cancelled when the client disconnects, so its database work stops with it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from rapport.security import body
from rapport.security.body import BadRequest
from rapport.security.middleware import request_id_of
from schema.context import RequestContext

log = logging.getLogger("rapport.http")

_HTTP_CODES = {
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
}


class _ClientGone(Exception):
    pass


def error_body(message: str, code: str, request_id: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}


def is_request_error(result: ExecutionResult) -> bool:
    """True when the operation never started: parse, validation or variable-coercion errors."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(e.path is None for e in errors)


class GraphQLView(GraphQL[RequestContext, None]):
    """Strawberry's view with our HTTP handling (see the module docstring)."""

    # --- the one decoder, for WebSocket messages too -------------------------------------------

    def decode_json(self, data: str | bytes) -> object:
        try:
            return body.decode_json(data, "The message")
        except BadRequest as exc:  # Strawberry closes the socket with 4400 on a decode error
            raise json.JSONDecodeError(exc.message, "", 0) from exc

    def encode_json(self, data: object) -> str:
        """Text, not bytes: Strawberry sends bytes as binary WebSocket frames, and
        graphql-transport-ws (the browser's graphql-ws client) reads only text frames."""
        return orjson.dumps(data).decode()

    # --- HTTP ------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        media = body.response_media_type(request.headers.get("accept"))
        try:
            response = await self._answer(request, media or body.JSON_MEDIA_TYPE, media is None)
        except BadRequest as exc:
            response = self._error(request, media, exc)
        except HTTPException as exc:  # get_context refusing an unauthenticated request
            code = _HTTP_CODES.get(exc.status_code, "BAD_REQUEST")
            response = self._error(
                request, media, BadRequest(exc.reason, status=exc.status_code, code=code)
            )
        except (ClientDisconnect, _ClientGone):
            log.info("client went away (request id %s); operation cancelled", request_id_of(scope))
            response = Response(status_code=499)
        await response(scope, receive, send)

    def _error(self, request: Request, media: str | None, exc: BadRequest) -> Response:
        log.info(
            "%d %s (request id %s): %s",
            exc.status,
            exc.code,
            request_id_of(request.scope),
            exc.message,
        )
        return _json(
            error_body(exc.message, exc.code, request_id_of(request.scope)),
            exc.status,
            media or body.JSON_MEDIA_TYPE,
            exc.headers,
        )

    async def _answer(self, request: Request, media: str, unacceptable: bool) -> Response:
        if self.should_render_graphql_ide(self.request_adapter_class(request)):
            return await self.render_graphql_ide(request)
        if unacceptable:
            raise BadRequest(
                f"Cannot answer in any type the Accept header allows: this endpoint answers "
                f"{body.GRAPHQL_RESPONSE_MEDIA_TYPE} or {body.JSON_MEDIA_TYPE}.",
                status=406,
                code="NOT_ACCEPTABLE",
            )
        data = await self._decode(request)
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, sub_response)
        get = request.method == "GET"
        allowed = {OperationType.QUERY} if get else {OperationType.QUERY, OperationType.MUTATION}
        try:
            result = await _unless_disconnected(
                request,
                self.schema.execute(
                    data.query,
                    variable_values=data.variables,
                    context_value=context,
                    operation_name=data.operation_name,
                    allowed_operation_types=allowed,
                    operation_extensions=data.extensions,
                ),
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise BadRequest(
                    "Subscriptions need a WebSocket: connect to /graphql with the "
                    "graphql-transport-ws protocol (GraphiQL and graphql-ws clients do).",
                    code="SUBSCRIPTION_NEEDS_WEBSOCKET",
                ) from exc
            raise BadRequest(
                "Mutations need POST; GET only runs queries.",
                status=405,
                code="METHOD_NOT_ALLOWED",
                headers={"Allow": "POST"},
            ) from exc
        except CannotGetOperationTypeError as exc:
            raise BadRequest(exc.as_http_error_reason(), code="UNKNOWN_OPERATION") from exc
        except MissingQueryError as exc:  # pragma: no cover - the decoder requires a query
            raise BadRequest("No GraphQL query found in the request.", code="NO_QUERY") from exc
        payload: dict[str, Any] = dict(process_result(result))
        status = sub_response.status_code or 200
        if media == body.GRAPHQL_RESPONSE_MEDIA_TYPE and is_request_error(result):
            payload.pop("data", None)
            status = 400
        response = _json(payload, status, media, {})
        response.headers.raw.extend(
            (k, v) for k, v in sub_response.headers.raw if k.lower() != b"content-type"
        )
        if sub_response.background:
            response.background = sub_response.background
        return response

    async def _decode(self, request: Request) -> body.GraphQLRequest:
        if request.method == "GET":
            return body.from_query_params(request.query_params)
        content_type = request.headers.get("content-type", "")
        media, *params = (p.strip().lower() for p in content_type.split(";"))
        charset = next(
            (p.partition("=")[2].strip('"') for p in params if p.startswith("charset=")), "utf-8"
        )
        if media != body.JSON_MEDIA_TYPE or charset not in ("utf-8", "utf8"):
            raise BadRequest(
                f"Send the operation as {body.JSON_MEDIA_TYPE} (UTF-8), not "
                f"{content_type or 'a body without Content-Type'}.",
                status=415,
                code="UNSUPPORTED_MEDIA_TYPE",
            )
        return body.graphql_request(body.decode_json(await request.body()))


def _json(payload: Any, status: int, media: str, headers: Mapping[str, str]) -> Response:
    return Response(
        orjson.dumps(payload),
        status_code=status,
        headers=dict(headers),
        media_type=f"{media}; charset=utf-8",
    )


async def _unless_disconnected(request: Request, operation: Any) -> ExecutionResult:
    """Run `operation`; cancel it (and so its database work) if the client disconnects."""
    task: asyncio.Task[ExecutionResult] = asyncio.ensure_future(operation)

    async def disconnected() -> None:
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                return

    watcher = asyncio.ensure_future(disconnected())
    try:
        done, _ = await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        watcher.cancel()
        raise
    if task in done:
        watcher.cancel()
        return task.result()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    raise _ClientGone
