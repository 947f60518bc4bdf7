"""What every resolver can reach: the database, the settings, the viewer and the statement log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from core.viewer import Viewer
from graphdb.driver import StatementLog
from resolvers.call import Call
from schema.selection import root_selection

if TYPE_CHECKING:
    from core.settings import Settings
    from graphdb.driver import Graph


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
    ctx = info.context
    return Call(
        graph=ctx.graph,
        settings=ctx.settings,
        principal=ctx.principal,
        action=info.field_name,
        selection=root_selection(info),
    )
