"""The relationship explorer: the account managers' web app, served at ``/app``.

The app is a single-page TypeScript/React build (``web/``; ``make setup`` runs ``npm ci``, the
GraphQL type generation and ``vite build`` into ``web/dist``). This module serves it:

- ``/app/assets/<file>``: the hashed build outputs, cached for a year (a new build gets new
  names), and only files inside ``web/dist/assets`` (no path escapes);
- every other ``/app`` path: ``index.html``, so that deep links (``/app/customers/<id>``) and the
  back button work; the client-side router picks the view from the URL.

The page needs no token (the sign-in form is on it); every GraphQL request it makes does. Its
Content-Security-Policy allows only this server's scripts, styles and connections.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from rapport.playground import WEB_DIR
from rapport.security.csp import playground_csp

__all__ = ["APP_PREFIX", "DIST_DIR", "explorer_csp", "explorer_routes"]

#: Where the app lives; ``web/vite.config.ts`` builds with the same ``base``.
APP_PREFIX: Final[str] = "/app"

DIST_DIR: Final[Path] = WEB_DIR / "dist"

MISSING_BUILD_MESSAGE: Final[str] = (
    "The explorer is not built: run `make setup` (npm ci, codegen and vite build in web/)."
)

_CONTENT_TYPES: Final[dict[str, str]] = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
}

_IMMUTABLE: Final[str] = "public, max-age=31536000, immutable"

#: The one stylesheet Cytoscape.js inserts at run time (cytoscape's renderer, ``BRp.init``); it is
#: allowed by its hash, so the policy still refuses every other inline style.
CYTOSCAPE_STYLE: Final[str] = ".__________cytoscape_container { position: relative; }"


def _style_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def explorer_csp(page: str) -> str:
    """The playground's policy for this page, plus Cytoscape's stylesheet by hash."""
    return playground_csp(page).replace(
        "style-src 'self'", f"style-src 'self' {_style_hash(CYTOSCAPE_STYLE)}", 1
    )


async def explorer_page(request: Request) -> Response:
    """The app's HTML shell, for ``/app`` and every client-side route under it."""
    index = DIST_DIR / "index.html"
    if not index.is_file():
        return PlainTextResponse(MISSING_BUILD_MESSAGE, status_code=503)
    page = index.read_text(encoding="utf-8")
    return HTMLResponse(
        page,
        headers={"Content-Security-Policy": explorer_csp(page), "Cache-Control": "no-cache"},
    )


async def explorer_asset(request: Request) -> Response:
    """One file of the build; a name outside ``web/dist/assets`` is a 404, never a read."""
    assets = (DIST_DIR / "assets").resolve()
    name: str = request.path_params["name"]
    path = (assets / name).resolve()
    if not path.is_relative_to(assets) or not path.is_file():
        if not assets.is_dir():
            return PlainTextResponse(MISSING_BUILD_MESSAGE, status_code=503)
        return PlainTextResponse("Not Found", status_code=404)
    return FileResponse(
        path,
        media_type=_CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
        headers={"Cache-Control": _IMMUTABLE},
    )


def explorer_routes() -> list[BaseRoute]:
    """Mount next to ``/graphql``: the assets first, then the SPA fallback."""
    return [
        Route(APP_PREFIX + "/assets/{name:path}", explorer_asset, methods=["GET", "HEAD"]),
        Route(APP_PREFIX, explorer_page, methods=["GET", "HEAD"]),
        Route(APP_PREFIX + "/{rest:path}", explorer_page, methods=["GET", "HEAD"]),
    ]
