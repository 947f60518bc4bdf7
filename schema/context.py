"""What every resolver can reach: the database, the settings, the viewer and the statement log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLResolveInfo
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import ExecutionContext
from strawberry.types import Info as StrawberryInfo

from core.viewer import Viewer
from graphdb.driver import StatementLog
from resolvers.call import Call
from schema.selection import selection_of

if TYPE_CHECKING:
    from core.settings import Settings
    from graphdb.driver import Graph


@dataclass
class OperationFacts:
    """What the operation was and how it ended, for metrics and the request log (filled in by
    `schema.extensions.StatementLogExtension`; never holds values of the request)."""

    name: str | None = None
    #: "query", "mutation", "subscription"; "unknown" when the document did not parse
    type: str = "unknown"
    #: Strawberry's execution context; its result is read once the request is answered
    #: (then it is the result the client got, with its final error codes)
    execution: ExecutionContext | None = None

    @property
    def result(self) -> Any:
        """Strawberry's or graphql-core's result (both have `data` and `errors`), or None."""
        return self.execution.result if self.execution is not None else None

    @property
    def outcome(self) -> str:
        """ok (no errors), partial (data and errors) or error (no data)."""
        result = self.result
        if result is None:
            return "error"
        if not result.errors:
            return "ok"
        return "partial" if result.data is not None else "error"

    @property
    def error_codes(self) -> list[str]:
        result = self.result
        errors = (result.errors if result is not None else None) or []
        return [str((e.extensions or {}).get("code") or "INTERNAL_ERROR") for e in errors]


@dataclass
class SharedRun:
    """Set on the context of an execution that serves several identical subscriptions at once
    (rapport/shared_subscriptions.py). The resolver reports the change number of the event it
    yields (`seq`), so that each subscriber gets only the events after the moment it joined
    (`opened` says when the execution itself started listening), and a slow execution drops
    all of its subscribers through `drop`."""

    drop: Callable[[str], Awaitable[None]]
    #: called once the execution is registered with the process's poller
    opened: Callable[[], None]
    seq: int | None = None
    #: which batch of the poller's the event came in (counted by the resolver)
    batch: int = 0


@dataclass
class RequestContext:
    request: Request | WebSocket
    response: Response | WebSocket | None
    graph: Graph
    settings: Settings
    statements: StatementLog = field(default_factory=StatementLog)
    debug: bool = False
    #: Set by the auth middleware (HTTP) or in `connection_init` (WebSocket); see `viewer`.
    principal: Viewer | None = None
    request_id: str = ""
    #: The graphql-transport-ws `connection_init` payload (Strawberry fills it in).
    connection_params: dict[str, object] | None = None
    operation: OperationFacts = field(default_factory=OperationFacts)
    #: Set when this execution is shared by identical subscriptions (see `SharedRun`).
    shared: SharedRun | None = None

    @property
    def viewer(self) -> Viewer:
        """The authenticated caller. Every operation that executes has one; asking for it on
        a context that was never authenticated is a bug, refused loudly rather than guessed."""
        if self.principal is None:
            raise GraphQLError("Not authenticated.", extensions={"code": "UNAUTHENTICATED"})
        return self.principal


Info = StrawberryInfo[RequestContext, None]


def call(info: Info) -> Call:
    """What the use case behind this root field may know: plain values, no Strawberry."""
    return call_of(info._raw_info)


def call_of(raw: GraphQLResolveInfo[Any]) -> Call:
    """`call` from graphql-core's own resolve info, for a root field that graphql-core resolves
    without Strawberry converting its arguments (schema/queries.py)."""
    ctx: RequestContext = raw.context
    return Call(
        graph=ctx.graph,
        settings=ctx.settings,
        principal=ctx.principal,
        action=raw.field_name,
        selection=selection_of(raw),
    )
