"""graphql-transport-ws with the same gate as HTTP, per operation and during a socket's life.

Strawberry authenticates nothing after `connection_init`; this handler (`GatedTransportWSHandler`)
asks `Gate.admit` again before every operation, so a revoked key or an exhausted rate limit
stops a socket as it stops HTTP. An operation over the limit gets an `error` message with
`RATE_LIMITED`; a credential that no longer authenticates closes the socket with 4403. While
the socket is open its credential is re-checked against the database (not the cache) every
`RAPPORT_AUTH_CACHE_TTL` seconds (at least every second), so a long subscription ends within
the TTL of a revocation too.

Each operation runs with a context of its own (a copy of the connection's, with the freshly
admitted viewer and an empty statement log), so statement listings and counts are per
operation, never the socket's running total.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from contextlib import aclosing
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocket, WebSocketState
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from graphdb.driver import begin_statement_log
from rapport import shared_subscriptions
from rapport.auth.authenticator import AuthError, bearer_token
from rapport.security.gate import Gate, RateLimited
from schema.context import RequestContext

log = logging.getLogger("rapport.ws")


def socket_authorization(context: RequestContext) -> str | None:
    """The Authorization value a socket's `connection_init` payload carries."""
    params = context.connection_params or {}
    raw = params.get("Authorization", params.get("authorization"))
    if raw is None and isinstance(params.get("authToken"), str):
        token = str(params["authToken"])
        raw = token if token.lower().startswith("bearer ") else f"Bearer {token}"
    return raw if isinstance(raw, str) else None


def socket_client(context: RequestContext) -> str | None:
    client = context.request.scope.get("client") if context.request is not None else None
    return str(client[0]) if client else None


class GatedTransportWSHandler(BaseGraphQLTransportWSHandler[RequestContext, None]):
    gate: Gate
    recheck_interval_s: float = 30.0

    _watch: asyncio.Task[None] | None = None
    _closing: set[asyncio.Task[None]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._closing = set()

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._watch is None:
            self._watch = asyncio.create_task(self._recheck_periodically())

    async def shutdown(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        await super().shutdown()

    async def send_text(self, text: str) -> None:
        """Send an already serialized message (a text frame)."""
        socket = self.context.request
        assert isinstance(socket, WebSocket)
        await socket.send_text(text)

    def close_later(self, code: int, reason: str) -> None:
        """Close the socket from a task of its own (a sender may be blocked on it)."""
        task = asyncio.get_running_loop().create_task(self._close(code, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close(self, code: int, reason: str) -> None:
        socket = self.context.request
        if (
            isinstance(socket, WebSocket)
            and socket.application_state != WebSocketState.DISCONNECTED
        ):
            with contextlib.suppress(Exception):  # already going away
                await socket.close(code, _reason(reason))

    async def _recheck_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.recheck_interval_s)
            try:  # fresh: a cached verdict could be up to a TTL old already
                viewer = await self.gate.authenticator.authenticate(
                    bearer_token(socket_authorization(self.context)), fresh=True
                )
            except AuthError as exc:
                log.info("closing a socket whose credential stopped working: %s", exc)
                await self.websocket.close(4403, _reason(exc.message))
                return
            self.context.principal = viewer

    async def run_operation(self, operation: Operation[RequestContext, None]) -> None:
        try:
            viewer = await self.gate.admit(
                socket_authorization(self.context), socket_client(self.context)
            )
        except AuthError as exc:
            log.info("closing a socket whose credential stopped working: %s", exc)
            self.operations.pop(operation.id, None)
            await self.websocket.close(4403, _reason(exc.message))
            return
        except RateLimited as exc:
            await operation.send_initial_errors(
                [GraphQLError(exc.message, extensions={"code": "RATE_LIMITED"})]
            )
            return
        self.context.principal = viewer
        own = dataclasses.replace(self.context, principal=viewer, statements=begin_statement_log())
        key = shared_subscriptions.share_key(
            operation.query, operation.operation_name, operation.variables, viewer, id(own.graph)
        )
        if key is not None:  # identical live subscriptions share one execution
            await shared_subscriptions.serve(self, operation, own, key)
            return
        # The base class's run_operation, with the operation's own context.
        try:
            result_source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=own,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with aclosing(result_source):
                await self._send_result_stream(operation, result_source)
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except _OperationStreamClosed:
            return
        except Exception as error:  # pragma: no cover - as the base class does
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            self.operations.pop(operation.id, None)
            raise


def _reason(message: str) -> str:
    """A close reason fits in 123 bytes."""
    return message.encode()[:120].decode(errors="ignore")
