"""The Starlette application: GraphQL at /graphql, health and readiness probes.

One async Neo4j driver is opened in the lifespan and closed at shutdown; migrations run at
start-up when the database is reachable. If it is not, the API still starts and /readyz answers
503 until the database is back, so an orchestrator can hold traffic without restarting us.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from graphdb.driver import Graph, begin_statement_log
from graphdb.migrations import migrate, pending
from rapport import playground
from rapport.settings import Settings, get_settings
from schema.context import RequestContext
from schema.root import schema

log = logging.getLogger("rapport")


class RapportGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's ASGI view with our context, offline playground and debug extension."""

    def __init__(self, graph_holder: dict[str, Graph], settings: Settings) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self._graph_holder = graph_holder
        self._settings = settings

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        debug = self._settings.env == "development" or request.headers.get("x-rapport-debug") == "1"
        return RequestContext(
            request=request,
            response=response,
            graph=self._graph_holder["graph"],
            settings=self._settings,
            statements=begin_statement_log(),
            debug=debug,
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(playground.playground_html())


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    graph: Graph = request.app.state.graph_holder["graph"]
    if not await graph.ping():
        return JSONResponse({"status": "unavailable", "reason": "Neo4j unreachable"}, 503)
    try:
        missing = await pending(graph)
    except Exception:  # the database went away between the two calls
        return JSONResponse({"status": "unavailable", "reason": "Neo4j unreachable"}, 503)
    if missing:
        versions = [m.version for m in missing]
        return JSONResponse(
            {"status": "unavailable", "reason": f"migrations pending: {versions}"}, 503
        )
    return JSONResponse({"status": "ready"})


def create_app(settings: Settings | None = None, *, run_migrations: bool = True) -> Starlette:
    """Build the ASGI app. The driver is created lazily in the lifespan, one per process."""
    settings = settings or get_settings()
    holder: dict[str, Graph] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        graph = Graph.connect(
            settings.effective_neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password.get_secret_value(),
            settings.neo4j_database,
            settings.neo4j_tx_timeout_s,
        )
        holder["graph"] = graph
        if run_migrations:
            if await graph.ping():
                applied = await migrate(graph)
                if applied:
                    log.info("applied migrations %s", [m.version for m in applied])
            else:
                log.warning(
                    "Neo4j at %s is unreachable; /readyz answers 503", settings.effective_neo4j_uri
                )
        try:
            yield
        finally:
            await graph.close()

    graphql_app = RapportGraphQL(holder, settings)
    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *playground.playground_routes(),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql_app),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.graph_holder = holder
    app.state.settings = settings
    return app
