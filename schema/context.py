"""What every resolver can reach: the database, the settings and this request's statement log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from graphdb.driver import StatementLog

if TYPE_CHECKING:
    from graphdb.driver import Graph
    from rapport.settings import Settings


@dataclass
class RequestContext:
    request: Request | WebSocket
    response: Response | WebSocket | None
    graph: Graph
    settings: Settings
    statements: StatementLog = field(default_factory=StatementLog)
    debug: bool = False


Info = StrawberryInfo[RequestContext, None]
