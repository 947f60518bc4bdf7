"""Offline GraphiQL playground for Rapport.

Strawberry's built-in GraphiQL page pulls React and GraphiQL from a public CDN.
Rapport runs in networks with no internet access (and we do not want a customer
database's admin page to depend on, or leak its existence to, a third-party CDN),
so this module serves the same IDE entirely from files vendored by npm into
``web/node_modules`` (see ``web/package.json``; ``make setup`` runs
``npm ci --prefix web``).

Wiring it into the app: Strawberry calls ``render_graphql_ide(self, request:
Request) -> Response`` on ``strawberry.asgi.GraphQL`` for a ``GET /graphql`` that
accepts ``text/html``, but only while the view's ``graphql_ide`` is truthy (keep the
default ``"graphiql"``; ``None`` turns the page into a 404). Override it and add
the asset route::

    class RapportGraphQL(GraphQL[Context, None]):
        async def render_graphql_ide(self, request: Request) -> Response:
            return HTMLResponse(playground_html(request.url.path))

    app = Starlette(routes=[*playground_routes(), Route("/graphql", RapportGraphQL(schema))])

Note that Strawberry builds the context (``get_context``) *before* it decides to
render the IDE, so ``get_context`` must not reject a request that has no token.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

__all__ = [
    "ASSETS",
    "ASSET_PREFIX",
    "WEB_DIR",
    "playground_asset",
    "playground_html",
    "playground_routes",
]

REPO_ROOT: Final[Path] = Path(__file__).resolve().parent.parent


def _web_dir() -> Path:
    """Locate the npm project holding the vendored assets.

    Defaults to ``<repo>/web``, which is right for a source checkout. An installed
    wheel lives in site-packages, far from any ``web/`` folder, so deployments (the
    Dockerfile, for one) point ``RAPPORT_WEB_DIR`` at their copy instead.
    """
    override = os.environ.get("RAPPORT_WEB_DIR")
    return Path(override).expanduser().resolve() if override else REPO_ROOT / "web"


WEB_DIR: Final[Path] = _web_dir()
_NODE_MODULES: Final[Path] = WEB_DIR / "node_modules"

#: URL prefix the page loads its assets from; kept in one place so the HTML and
#: the route cannot drift apart.
ASSET_PREFIX: Final[str] = "/playground/assets/"

#: Public asset name -> file on disk. Only these names are served, so the route
#: can never be used to read arbitrary files out of node_modules. The React UMD
#: builds must load before GraphiQL's, which expects ``window.React`` and
#: ``window.ReactDOM``. The source maps are listed only so that browser dev tools
#: get a 200 instead of a 404 when someone debugs the page.
ASSETS: Final[dict[str, Path]] = {
    "react.production.min.js": _NODE_MODULES / "react" / "umd" / "react.production.min.js",
    "react-dom.production.min.js": (
        _NODE_MODULES / "react-dom" / "umd" / "react-dom.production.min.js"
    ),
    "graphiql.min.js": _NODE_MODULES / "graphiql" / "graphiql.min.js",
    "graphiql.min.js.map": _NODE_MODULES / "graphiql" / "graphiql.min.js.map",
    "graphiql.min.css": _NODE_MODULES / "graphiql" / "graphiql.min.css",
    "graphiql.min.css.map": _NODE_MODULES / "graphiql" / "graphiql.min.css.map",
}

# Explicit types instead of mimetypes.guess_type(): the system mime database
# differs between hosts (slim containers often lack one), and browsers refuse
# scripts/styles with the wrong type once nosniff is set.
_CONTENT_TYPES: Final[dict[str, str]] = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
}

_CACHE_CONTROL: Final[str] = "public, max-age=86400"

MISSING_ASSETS_MESSAGE: Final[str] = (
    "Playground assets missing: run `make setup` (npm ci --prefix web)"
)

# Shown in the query editor on first visit (GraphiQL keeps the user's own text
# in localStorage afterwards). Its main job is to tell people about the token.
DEFAULT_QUERY: Final[str] = """\
# Welcome to the Rapport GraphQL playground.
#
# Every request needs an API token. Open the
# "Headers" tab below and add:
#
#   {"Authorization": "Bearer <token>"}
#
# Headers are kept in this browser's localStorage:
# avoid long-lived tokens on shared machines.
#
# Ctrl+Enter (Cmd+Enter on macOS) runs the query;
# the Docs button on the left browses the schema.

query Ping {
  __typename
}
"""


#: How long after the last keystroke in the Headers tab the schema is fetched again.
HEADERS_REFETCH_DELAY_MS: Final[int] = 400


def _js_literal(value: str) -> str:
    """Encode ``value`` as a JS string literal that is safe inside ``<script>``.

    ``json.dumps`` alone would let a ``</script>`` sequence in the value close the
    script element early, so ``<``, ``>`` and ``&`` are escaped too.
    """
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def playground_html(graphql_path: str = "/graphql") -> str:
    """Return the playground page, rendering GraphiQL against ``graphql_path``.

    Everything it loads comes from ``ASSET_PREFIX`` on the same server, so the page
    works on an air-gapped network. The inline script only builds a React element
    (no ``eval``/``new Function``), so a CSP with ``script-src 'self'`` plus a hash
    or nonce for it is enough. Subscriptions go over ``ws://``/``wss://`` to the
    same host and path, matching whatever scheme the page was loaded with.
    """
    path = _js_literal(graphql_path)
    default_query = _js_literal(DEFAULT_QUERY)
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="robots" content="noindex">
    <title>Rapport — GraphQL playground</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="{ASSET_PREFIX}graphiql.min.css">
    <style>
      html, body {{ height: 100%; margin: 0; overflow: hidden; }}
      #graphiql {{ height: 100vh; }}
      #graphiql > .rapport-loading {{
        font: 16px system-ui, sans-serif; padding: 2rem; color: #555;
      }}
    </style>
  </head>
  <body>
    <div id="graphiql">
      <div class="rapport-loading">Loading the Rapport GraphQL playground…</div>
      <noscript>The playground needs JavaScript. You can still POST queries to
        {html.escape(graphql_path)}.</noscript>
    </div>
    <script src="{ASSET_PREFIX}react.production.min.js"></script>
    <script src="{ASSET_PREFIX}react-dom.production.min.js"></script>
    <script src="{ASSET_PREFIX}graphiql.min.js"></script>
    <script>
      (function () {{
        "use strict";
        var graphqlPath = {path};
        var wsScheme = window.location.protocol === "https:" ? "wss:" : "ws:";
        function newFetcher() {{
          return GraphiQL.createFetcher({{
            url: graphqlPath,
            subscriptionUrl: wsScheme + "//" + window.location.host + graphqlPath
          }});
        }}
        // GraphiQL introspects once per fetcher. A new fetcher after the headers change (a
        // token pasted, debounced) makes it fetch the schema again with the new headers,
        // instead of showing "Error fetching schema" until someone finds the re-fetch button.
        function Playground() {{
          var state = React.useState(newFetcher);
          var setFetcher = state[1];
          var timer = React.useRef(null);
          var onEditHeaders = React.useCallback(function () {{
            window.clearTimeout(timer.current);
            timer.current = window.setTimeout(function () {{
              setFetcher(function () {{ return newFetcher(); }});
            }}, {HEADERS_REFETCH_DELAY_MS});
          }}, []);
          return React.createElement(GraphiQL, {{
            fetcher: state[0],
            defaultQuery: {default_query},
            isHeadersEditorEnabled: true,
            shouldPersistHeaders: true,
            defaultEditorToolsVisibility: "headers",
            onEditHeaders: onEditHeaders
          }});
        }}
        var root = ReactDOM.createRoot(document.getElementById("graphiql"));
        root.render(React.createElement(Playground));
      }})();
    </script>
  </body>
</html>
"""


async def playground_asset(request: Request) -> Response:
    """Serve one whitelisted playground asset.

    Assets are pinned by ``web/package-lock.json`` and change only on upgrade, so
    a day of browser caching is safe and keeps reloads fast. A missing file means
    ``npm ci`` was never run; we answer 503 with the fix instead of a bare 404 so
    that the person staring at a blank playground knows what to do.
    """
    name = request.path_params["name"]
    path = ASSETS.get(name)
    if path is None:
        return PlainTextResponse("Not Found", status_code=404)
    if not path.is_file():
        return PlainTextResponse(MISSING_ASSETS_MESSAGE, status_code=503)
    return FileResponse(
        path,
        media_type=_CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
        headers={"Cache-Control": _CACHE_CONTROL, "X-Content-Type-Options": "nosniff"},
    )


def playground_routes() -> list[BaseRoute]:
    """Routes the playground page depends on; mount them next to ``/graphql``."""
    return [Route(ASSET_PREFIX + "{name}", playground_asset)]
