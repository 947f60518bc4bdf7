"""One execution for identical `changes` subscriptions (docs/subscriptions.md, "Latency").

graphql-core executes a subscription's selection once per event *per subscriber*: 200
subscribers of one document at 50 changes/s are 10,000 executions a second. Here subscribers
whose executions are provably identical share one:

- the same document, operation name and variables (so the same filters and selection);
- the same masking-relevant facts of the viewer, `Visibility.cache_key`: the role, and for
  SALES (whose visibility depends on who it is) also the user id. These are exactly what the
  read compiler's statements depend on, so an ANALYST never shares with an ADMIN and one SALES
  user never with another;
- the same database;
- a live subscription: one with an `after` (literal or variable value) replays from its own
  position and always runs alone.

A shared execution (`Execution`) runs the normal Strawberry subscription once, with the first
subscriber's context and `RequestContext.shared` set; each event is executed and serialized
once, and the same text is queued to every subscriber (`Member`), which only wraps it in its own
message id. Per subscriber and event that is a comparison, an append and a send.

Each member keeps the feed's guarantees on its own: it starts after the change number the
process's poller had read when it joined (a fresh subscription's start, as before), receives
each number once in commit order, and has its own bounded queue: a member more than
`RAPPORT_CHANGES_MAX_PENDING` events behind is dropped (close 4429) without slowing the others.
An execution that itself falls that far behind (the process is overloaded) drops all its
members. The process's one poller per database (`resolvers.changes.ChangeHub`) feeds every
execution.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections import deque
from collections.abc import Coroutine
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    parse,
)
from graphql import NullValueNode as GraphQLNull
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from core.viewer import Viewer
from graphdb.compiler.visibility import Visibility
from rapport.observability import metrics
from resolvers import changes as feed
from schema.context import RequestContext, SharedRun

if TYPE_CHECKING:
    from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation

    from rapport.graphql_ws import GatedTransportWSHandler

log = logging.getLogger("rapport.ws")

#: WebSocket close code for a subscriber that fell too far behind (as schema/changes.py)
SLOW_CONSUMER_CLOSE = 4429
#: the one root field whose executions are shared
SHARED_FIELD = "changes"

Key = tuple[Any, ...]


@functools.lru_cache(maxsize=256)
def _parsed(query: str) -> DocumentNode | None:
    try:
        return parse(query)
    except GraphQLError:
        return None  # Strawberry reports it, as for any operation


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == name), None)


def share_key(
    query: str,
    operation_name: str | None,
    variables: dict[str, object] | None,
    viewer: Viewer,
    database: int,
) -> Key | None:
    """The key under which this operation may share an execution, or None (it runs alone)."""
    document = _parsed(query)
    operation = _operation(document, operation_name) if document is not None else None
    if operation is None or operation.operation != OperationType.SUBSCRIPTION:
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    root = selections[0]
    if root.name.value != SHARED_FIELD:
        return None
    values = variables or {}
    definitions = operation.variable_definitions or ()
    defaults = {d.variable.name.value for d in definitions if d.default_value is not None}
    for argument in root.arguments or ():
        if argument.name.value != "after":
            continue
        value = argument.value
        if isinstance(value, VariableNode):
            name = value.name.value
            if values.get(name) is not None or (name not in values and name in defaults):
                return None  # a replay from its own cursor
        elif not isinstance(value, GraphQLNull):
            return None
    try:
        frozen = orjson.dumps(values, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    return (database, query, operation_name, frozen, Visibility.for_viewer(viewer).cache_key)


class Member:
    """One subscriber of a shared execution: its own message id, queue and socket."""

    def __init__(
        self,
        handler: GatedTransportWSHandler,
        operation: Operation[RequestContext, None],
        max_pending: int,
    ) -> None:
        self.handler, self.operation = handler, operation
        self.max_pending = max_pending
        #: it gets the changes numbered above this; None: not listening yet
        self.start: int | None = None
        self.prefix = '{"id":' + orjson.dumps(operation.id).decode() + ',"type":"next","payload":'
        self.frames: deque[tuple[int, str]] = deque()  # (batch, payload)
        self.wake = asyncio.Event()
        #: ("complete", None), ("error", formatted errors) or ("drop", reason)
        self.end: tuple[str, Any] | None = None

    def listen(self, head: int) -> None:
        """From now on: every change numbered above `head`, what the poller has read so far."""
        self.start = head
        for listener in feed.FEED_LISTENERS.opened:
            listener()

    def offer(self, seq: int | None, batch: int, payload: str) -> None:
        """`seq` None: not an event (errors): every member gets it."""
        if self.end is not None:
            return
        if seq is not None and (self.start is None or seq <= self.start):
            return
        # As resolvers.changes.Subscriber: one that is idle, or still on this batch, takes it
        # (a batch is at most POLL_BATCH); one with older changes waiting must stay in bounds.
        waiting = self.frames and self.frames[0][0] != batch
        if waiting and len(self.frames) + 1 > self.max_pending:
            self.drop(
                f"Too slow: more than {self.max_pending} changes were waiting. Resume with "
                "`after:` the last cursor you received."
            )
            return
        self.frames.append((batch, payload))
        self.wake.set()

    def finish(self, kind: str, payload: Any = None) -> None:
        if self.end is None:
            self.end = (kind, payload)
            self.wake.set()

    def drop(self, reason: str) -> None:
        if self.end is not None:
            return
        self.frames.clear()  # free what it will never read
        self.finish("drop", reason)
        self.handler.close_later(SLOW_CONSUMER_CLOSE, reason)

    async def run(self) -> None:
        """Send what arrives until the execution ends or this member is dropped."""
        send = self.handler.send_text
        while True:
            while self.frames and (self.end is None or self.end[0] != "drop"):
                await send(self.prefix + self.frames.popleft()[1] + "}")
                for listener in feed.FEED_LISTENERS.delivered:
                    listener(1)
            if self.end is not None:
                break
            self.wake.clear()
            await self.wake.wait()
        kind, payload = self.end
        op = self.operation
        if kind == "complete":
            await op.send_operation_message({"id": op.id, "type": "complete"})
        elif kind == "error":
            await op.send_operation_message({"id": op.id, "type": "error", "payload": payload})


class Execution:
    """One running subscription serving every member with its key."""

    def __init__(self, key: Key, registry: Registry, hub: feed.ChangeHub) -> None:
        self.key, self.registry, self.hub = key, registry, hub
        self.members: dict[Member, None] = {}  # insertion-ordered set
        self.closed = False
        #: the execution is registered with the poller (every later change reaches it)
        self.listening = False
        self.task: asyncio.Task[None] | None = None
        self.context: RequestContext | None = None

    def start(
        self,
        handler: GatedTransportWSHandler,
        operation: Operation[RequestContext, None],
        context: RequestContext,
    ) -> None:
        self.context = dataclasses.replace(context, shared=SharedRun(self.drop, self._opened))
        coro = self._run(handler, operation.query, operation.variables, operation.operation_name)
        self.task = asyncio.get_running_loop().create_task(self._guarded(coro))
        metrics.SUBSCRIPTION_EXECUTIONS.inc()

    def _opened(self) -> None:
        self.listening = True
        for member in self.members:
            member.listen(self.hub.head)

    def add(self, member: Member) -> None:
        self.members[member] = None
        if self.listening:
            member.listen(self.hub.head)

    async def drop(self, reason: str) -> None:
        for member in list(self.members):
            member.drop(reason)

    def leave(self, member: Member) -> None:
        self.members.pop(member, None)
        if not self.members:
            self._close()
            if self.task is not None:
                self.task.cancel()

    def _close(self) -> None:
        if not self.closed:
            self.closed = True
            self.registry.forget(self)
            metrics.SUBSCRIPTION_EXECUTIONS.dec()

    def _broadcast(self, seq: int | None, batch: int, payload: str) -> None:
        for member in list(self.members):
            member.offer(seq, batch, payload)

    def _finish(self, kind: str, payload: Any = None) -> None:
        self._close()
        for member in list(self.members):
            member.finish(kind, payload)

    async def _guarded(self, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
            self._finish("complete")
        except asyncio.CancelledError:
            self._close()
            raise
        except Exception:
            log.exception("a shared subscription failed")
            self._finish("complete")

    async def _run(
        self,
        handler: GatedTransportWSHandler,
        query: str,
        variables: dict[str, object] | None,
        operation_name: str | None,
    ) -> None:
        assert self.context is not None and self.context.shared is not None
        shared = self.context.shared
        encode = handler.websocket.view.encode_json
        results = await handler.schema.stream(
            query,
            variable_values=variables,
            context_value=self.context,
            root_value=None,
            operation_name=operation_name,
        )
        first = True
        async with aclosing(results):
            async for result in results:
                if first and isinstance(result, PreExecutionError):
                    assert result.errors
                    self._finish("error", [e.formatted for e in result.errors])
                    return
                if not isinstance(result, ExecutionResult):
                    error = GraphQLError("Incremental delivery is not supported here.")
                    self._finish("error", [error.formatted])
                    return
                first = False
                payload: dict[str, object] = {"data": result.data}
                if result.errors:
                    payload["errors"] = [e.formatted for e in result.errors]
                if result.extensions:
                    payload["extensions"] = result.extensions
                text = encode(payload)
                seq, shared.seq = shared.seq, None
                text = text if isinstance(text, str) else text.decode()
                self._broadcast(seq, shared.batch, text)
                # let the members send before the next event: a member's queue grows only
                # while its own client does not take what is sent
                await asyncio.sleep(0)


class Registry:
    """This process's shared executions, by key."""

    def __init__(self) -> None:
        self.executions: dict[Key, Execution] = {}

    def forget(self, execution: Execution) -> None:
        if self.executions.get(execution.key) is execution:
            del self.executions[execution.key]

    def join(
        self,
        key: Key,
        handler: GatedTransportWSHandler,
        operation: Operation[RequestContext, None],
        context: RequestContext,
    ) -> tuple[Execution, Member]:
        settings = context.settings
        member = Member(handler, operation, settings.changes_max_pending)
        execution = self.executions.get(key)
        if execution is None or execution.closed:
            config = feed.FeedConfig(
                retention_s=settings.changes_retention_days * 86400,
                poll_interval_s=settings.changes_poll_interval_s,
                max_pending=settings.changes_max_pending,
                max_page_size=settings.max_page_size,
            )
            hub = feed.hub_for(context.graph, config)  # the one the execution's stream uses
            execution = self.executions[key] = Execution(key, self, hub)
            execution.add(member)
            execution.start(handler, operation, context)
        else:
            execution.add(member)
        return execution, member


SHARED = Registry()


async def serve(
    handler: GatedTransportWSHandler,
    operation: Operation[RequestContext, None],
    context: RequestContext,
    key: Key,
) -> None:
    """Run `operation` as a member of the shared execution for `key` (joining or starting it),
    inside the operation's task: cancelling it (the client's `complete`, a closed socket)
    leaves the execution."""
    execution, member = SHARED.join(key, handler, operation, context)
    try:
        await member.run()
    except Exception:  # the socket went away (or was closed as too slow) mid-send
        log.debug("a shared subscriber's socket closed", exc_info=True)
    finally:
        execution.leave(member)
        if member.start is not None:
            for listener in feed.FEED_LISTENERS.closed:
                listener()
        if handler.operations.get(operation.id) is operation:
            del handler.operations[operation.id]
