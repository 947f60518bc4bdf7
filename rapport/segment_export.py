"""``GET /export/segments/{id}?format=csv|xlsx``: a saved segment's current members as a file.

What ``rapport export --type customers --segment ID --token …`` writes, over HTTP for the
explorer's **Export** buttons: the same columns, the same members (the segment's filter and
consent rule, compiled as ``Segment.customers`` reads them) and the same masking of personal
fields for the caller's role (``resolvers/io/export.py``). The request is authenticated like
``/graphql`` (a bearer token; ``AuthMiddleware`` has set ``request.state.viewer``).

The file is written to a temporary file first and sent only when complete, so a refusal found on
the way (a segment on personal fields, for a role that may not filter on them) is a clear 403,
never half a file. Refusals are JSON ``{"error", "code"}``: 400 for an unknown format or an id
that is not a segment's, 404 for a segment that does not exist.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Final

from anyio import to_thread
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from core import global_id
from graphdb.compiler.visibility import Visibility
from graphdb.driver import Graph
from graphdb.segments import SavedSegment
from resolvers.io.export import Writer, column_kinds, columns_of, export_rows
from resolvers.segments.cache import find as find_segment
from schema.root import schema

__all__ = ["FORMATS", "segment_export_routes"]

#: format → media type
FORMATS: Final[dict[str, str]] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


_BATCH: Final = 1000


def _refuse(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "code": code}, status)


def _temp_file(fmt: str) -> Path:
    handle, name = tempfile.mkstemp(prefix="rapport-segment-", suffix=f".{fmt}")
    os.close(handle)
    return Path(name)


def _discard(path: Path) -> None:
    path.unlink(missing_ok=True)


async def _write(
    graph: Graph, path: Path, fmt: str, visibility: Visibility, segment: SavedSegment
) -> None:
    """The members into `path`, a page of rows at a time; the file work runs in a thread so the
    event loop keeps serving other requests."""
    writer = await to_thread.run_sync(
        lambda: Writer(fmt, columns_of("customers"), path, kinds=column_kinds("customers"))
    )

    def write(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            writer.write(row)

    try:
        batch: list[dict[str, Any]] = []
        async for row in export_rows(graph, "customers", visibility, segment=segment):
            batch.append(row)
            if len(batch) >= _BATCH:
                await to_thread.run_sync(write, batch)
                batch = []
        await to_thread.run_sync(write, batch)
    finally:
        await to_thread.run_sync(writer.close)


async def segment_export(request: Request) -> Response:
    viewer = getattr(request.state, "viewer", None)
    if viewer is None:  # the middleware lets no such request through; refuse should one slip by
        return _refuse(401, "UNAUTHENTICATED", "Authentication required.")
    fmt = request.query_params.get("format", "csv")
    if fmt not in FORMATS:
        return _refuse(400, "BAD_USER_INPUT", f"Unknown format {fmt!r}; use csv or xlsx.")
    try:
        type_name, raw_id = global_id.decode(request.path_params["id"])
    except global_id.InvalidGlobalId:
        type_name, raw_id = "", ""
    if type_name != "Segment":
        return _refuse(400, "BAD_USER_INPUT", "That is not a segment's id.")
    graph = request.app.state.graph_holder["graph"]
    saved = await find_segment(graph, schema._schema, raw_id)
    if saved is None or saved.id != raw_id:
        return _refuse(404, "NOT_FOUND", "No segment has this id.")
    path = await to_thread.run_sync(_temp_file, fmt)
    try:
        await _write(graph, path, fmt, Visibility(viewer.role, viewer.user_id), saved)
    except ValueError as exc:  # a segment on personal fields, for a role that may not use them
        await to_thread.run_sync(_discard, path)
        return _refuse(403, "FORBIDDEN", f"Cannot export this segment: {exc}.")
    except BaseException:
        await to_thread.run_sync(_discard, path)
        raise
    return FileResponse(
        path,
        media_type=FORMATS[fmt],
        filename=f"segment.{fmt}",
        headers={"Cache-Control": "no-store"},
        background=BackgroundTask(_discard, path),
    )


def segment_export_routes() -> list[BaseRoute]:
    return [Route("/export/segments/{id}", segment_export, methods=["GET"])]
