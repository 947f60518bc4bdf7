"""The Starlette application: GraphQL at /graphql, health and readiness probes.

One async Neo4j driver is opened in the lifespan and closed at shutdown; migrations run at
start-up when the database is reachable. If it is not, the API still starts and /readyz answers
503 until the database is back, so an orchestrator can hold traffic without restarting us.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from core.settings import Settings, get_settings
from graphdb.driver import DatabaseUnavailable, Graph, begin_statement_log
from graphdb.migrations import migrate, pending
from rapport import explorer, playground, segment_export
from rapport.auth import Authenticator, AuthError
from rapport.graphql_http import GraphQLView
from rapport.graphql_ws import GatedTransportWSHandler, socket_authorization, socket_client
from rapport.observability import metrics
from rapport.observability.http import ObservabilityMiddleware
from rapport.observability.traces import configure_tracing
from rapport.security.admission import (
    Admission,
    ProcessAdmissionMiddleware,
    ViewerAdmissionMiddleware,
)
from rapport.security.csp import playground_csp
from rapport.security.gate import Gate, RateLimited
from rapport.security.middleware import (
    AuthMiddleware,
    BodyLimitMiddleware,
    RequestContextMiddleware,
    is_public_request,
)
from rapport.security.ratelimit import TokenBucketLimiter
from rapport.security.unavailable import DatabaseUnavailableMiddleware
from rapport.served import schema
from resolvers.io import jobs as import_jobs
from schema.context import RequestContext

log = logging.getLogger("rapport")


class _WebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's adapter, but a socket that `on_ws_connect` already closed (with a code of
    its own) stays closed instead of failing on the second close."""

    async def close(self, code: int, reason: str) -> None:
        if self.ws.application_state != WebSocketState.DISCONNECTED:
            await super().close(code, reason)


class RapportGraphQL(GraphQLView):
    """Our GraphQL view (rapport/graphql_http.py) with our context and offline playground.

    HTTP requests arrive authenticated by `AuthMiddleware` (the viewer is in `request.state`);
    WebSocket connections authenticate in `connection_init` (`on_ws_connect`) and again for
    every operation (`GatedTransportWSHandler`), through the same `Gate`.
    """

    graphql_transport_ws_handler_class = GatedTransportWSHandler
    websocket_adapter_class = _WebSocketAdapter  # type: ignore[assignment]

    def __init__(
        self,
        graph_holder: dict[str, Graph],
        settings: Settings,
        gate: Gate,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=10),
            allowed_origins=settings.cors_origins,
        )
        self._graph_holder = graph_holder
        self._settings = settings
        self._gate = gate
        self.graphql_transport_ws_handler_class = type(  # type: ignore[assignment]
            "RapportTransportWSHandler",
            (GatedTransportWSHandler,),
            {"gate": gate, "recheck_interval_s": max(settings.auth_cache_ttl_s, 1.0)},
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        viewer = getattr(request.state, "viewer", None)
        if viewer is None and isinstance(request, Request) and not is_public_request(request.scope):
            # The middleware lets only the playground page through unauthenticated; should a
            # route ever bypass it, refuse here rather than execute without a viewer.
            raise HTTPException(401, "Authentication required.")
        # Statements reveal the model's internals (and, with -Params, values): only an ADMIN
        # who asks for them gets them, in every environment.
        debug = (
            request.headers.get("x-rapport-debug") == "1" and viewer is not None and viewer.is_admin
        )
        context = RequestContext(
            request=request,
            response=response,
            graph=self._graph_holder["graph"],
            settings=self._settings,
            statements=begin_statement_log(),
            debug=debug,
            principal=viewer,
            request_id=getattr(request.state, "request_id", ""),
        )
        request.state.graphql_context = context  # for the metrics and the request log
        return context

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """Authenticate a subscription connection from its `connection_init` payload.

        Accepts `{"Authorization": "Bearer …"}` (what GraphiQL's headers look like) or
        `{"authToken": "…"}`. A refusal closes the socket with graphql-transport-ws's 4403.
        """
        try:
            viewer = await self._gate.admit(socket_authorization(context), socket_client(context))
        except AuthError as exc:
            log.info("WebSocket refused (request id %s): %s", context.request_id, exc)
            raise ConnectionRejectionError({"message": exc.message}) from exc
        except RateLimited as exc:
            raise ConnectionRejectionError({"message": exc.message}) from exc
        except DatabaseUnavailable as exc:  # 1013 "Try Again Later", not Strawberry's 4403
            if isinstance(context.request, WebSocket):
                await context.request.close(1013, "Database unavailable; retry later.")
            raise ConnectionRejectionError({"message": exc.message}) from exc
        context.principal = viewer
        return None

    async def render_graphql_ide(self, request: Request) -> Response:
        page = playground.playground_html()
        return HTMLResponse(page, headers={"Content-Security-Policy": playground_csp(page)})


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


#: /readyz answers within this time, and reuses an answer for READY_CACHE_S (a probe flood, even
#: anonymous, costs the database at most one check per second per process).
READY_TIMEOUT_S = 2.0
READY_CACHE_S = 1.0


async def _readiness(graph: Graph) -> tuple[int, dict[str, str]]:
    unreachable = {"status": "unavailable", "reason": "Neo4j unreachable"}
    try:
        async with asyncio.timeout(READY_TIMEOUT_S - 0.1):
            if not await graph.ping(timeout_s=READY_TIMEOUT_S - 0.2):
                return 503, unreachable
            missing = await pending(graph)
    except (TimeoutError, DatabaseUnavailable):
        return 503, {**unreachable, "reason": f"Neo4j did not answer within {READY_TIMEOUT_S:g} s"}
    if missing:
        versions = [m.version for m in missing]
        return 503, {"status": "unavailable", "reason": f"migrations pending: {versions}"}
    return 200, {"status": "ready"}


async def readyz(request: Request) -> Response:
    state = request.app.state
    async with state.readiness_lock:  # concurrent probes share one check
        checked_at, status, body = state.readiness
        if time.monotonic() - checked_at >= READY_CACHE_S:
            status, body = await _readiness(state.graph_holder["graph"])
            state.readiness = (time.monotonic(), status, body)
    headers = {"Retry-After": str(state.settings.retry_after_s)} if status != 200 else None
    return JSONResponse(body, status, headers=headers)


def create_app(settings: Settings | None = None, *, run_migrations: bool = True) -> Starlette:
    """Build the ASGI app. The driver is created lazily in the lifespan, one per process."""
    settings = settings or get_settings()
    configure_tracing(settings)  # off unless RAPPORT_TRACES says otherwise
    problems = settings.startup_problems()
    if problems:
        raise RuntimeError("Refusing to start:\n- " + "\n- ".join(problems))
    holder: dict[str, Graph] = {}
    authenticator = Authenticator(settings, lambda: holder["graph"])
    limiter = TokenBucketLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
    gate = Gate(authenticator, limiter)
    admission = Admission.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        graph = Graph.connect(
            settings.effective_neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password.get_secret_value(),
            settings.neo4j_database,
            budgets=settings.budgets,
            notifications=settings.env == "development",
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
            await import_jobs.shutdown()  # running jobs are left INTERRUPTED, resumable
            await authenticator.drain()
            await graph.close()
            metrics.process_exiting()

    graphql_app = RapportGraphQL(holder, settings, gate)
    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *playground.playground_routes(),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql_app),
        *explorer.explorer_routes(),
        *segment_export.segment_export_routes(),
    ]
    middleware = [  # outermost first; docs/security.md describes each
        Middleware(RequestContextMiddleware, settings=settings),
        Middleware(ObservabilityMiddleware, settings=settings, graph_holder=holder),
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-Id"],
            expose_headers=["X-Request-Id", "Retry-After"],
            max_age=600,
        ),
        Middleware(BodyLimitMiddleware, settings=settings),
        Middleware(DatabaseUnavailableMiddleware),
        Middleware(ProcessAdmissionMiddleware, admission=admission),
        Middleware(AuthMiddleware, gate=gate),
        Middleware(ViewerAdmissionMiddleware, admission=admission),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.graph_holder = holder
    app.state.readiness = (-READY_CACHE_S, 503, {})
    app.state.readiness_lock = asyncio.Lock()
    app.state.settings = settings
    app.state.authenticator = authenticator
    app.state.admission = admission
    return app
