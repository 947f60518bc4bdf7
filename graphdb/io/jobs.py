"""Import jobs: a file uploaded in chunks over GraphQL, imported in the background.

`(:ImportJob)` holds what a job was asked to do (type, format, options), where it is (status,
rows read, counts), the first `MAX_STORED_ERRORS` refused rows (as JSON strings, personal
values redacted like a report on disk) and, while it runs, the state a resume goes on from.
`(:ImportChunk {key: "<job id>:<index>", jobId, index, data, sha256, bytes})` are the uploaded
pieces, deleted when the job ends (kept while it is interrupted, so it can be resumed).

Statuses: UPLOADING → QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED, with CANCELLING while
a running job stops after its current batch. A QUEUED, RUNNING or CANCELLING job whose
heartbeat is older than `STALE_S` lost its process (a crash, a kill -9): every statement here
reads it as INTERRUPTED, which `resumeImport` can start again. A server that stops cleanly
writes INTERRUPTED itself.

Every statement that answers a request is one round trip; the runner's own statements
(claim, chunks, progress, finish) run outside any request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from graphdb.driver import Graph

#: open statuses (a user may have `MAX_OPEN_PER_USER` of them, not counting stale ones)
OPEN = ("UPLOADING", "QUEUED", "RUNNING", "CANCELLING")
TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
#: a running job writes its heartbeat every few seconds; this much silence means it is gone
STALE_S = 60
#: an upload nobody finished, and a finished job, are deleted after this long
ABANDONED_UPLOAD = dt.timedelta(hours=24)
KEPT_FINISHED = dt.timedelta(days=7)
MAX_STORED_ERRORS = 10_000

#: the status a job is in, as every reader sees it (stale work reads as INTERRUPTED)
_STATUS = (
    "CASE WHEN j.status IN ['QUEUED', 'RUNNING', 'CANCELLING'] "
    "AND coalesce(j.heartbeatAt, j.queuedAt, j.updatedAt) < datetime($now) - "
    "duration({seconds: $stale}) THEN 'INTERRUPTED' ELSE j.status END"
)

#: a job as the API shows it, with the refused rows `$errorsFrom` up to `$errorsTo`
_JOB = (
    "j {.id, .ownerId, .type, .format, .options, .dryRun, .chunks, .bytes, .createdAt, "
    ".updatedAt, .startedAt, .finishedAt, .rowsTotal, .rowsRead, .rowReached, .rowsPerSecond, "
    ".valid, .created, .updated, .unchanged, .linked, .failed, .errorCount, .detected, "
    ".message, .failureCode, .resumedAfter, "
    f"status: {_STATUS}, storedErrors: size(coalesce(j.errors, [])), "
    "errors: coalesce(j.errors, [])[$errorsFrom..$errorsTo]}"
)

_VISIBLE = "(j.ownerId = $owner OR $admin)"

_CREATE = (
    "OPTIONAL MATCH (o:ImportJob {ownerId: $owner}) "
    f"WHERE o.status IN {list(OPEN)!r} "
    "AND coalesce(o.heartbeatAt, o.updatedAt) >= datetime($now) - duration({hours: 24}) "
    "WITH count(o) AS open WHERE open < $maxOpen "
    "CREATE (j:ImportJob) SET j = $props, j.status = 'UPLOADING', j.chunks = 0, j.bytes = 0, "
    "j.createdAt = datetime($now), j.updatedAt = datetime($now) "
    f"RETURN {_JOB} AS job"
)

#: verdicts: OK (stored), REPLAY (that piece was stored before, same bytes), NOT_FOUND,
#: CONFLICT (another piece under that index), NOT_UPLOADING, OUT_OF_ORDER, TOO_LARGE
_APPEND = (
    f"OPTIONAL MATCH (j:ImportJob {{id: $id}}) WHERE {_VISIBLE} "
    # the write lock first, so the piece count read below is the latest committed one
    "FOREACH (_ IN CASE WHEN j IS NULL THEN [] ELSE [1] END | SET j.touchedAt = datetime($now)) "
    "WITH j "
    "OPTIONAL MATCH (prev:ImportChunk {key: $key}) "
    "WITH j, prev, CASE "
    "WHEN j IS NULL THEN 'NOT_FOUND' "
    "WHEN prev IS NOT NULL AND prev.sha256 = $sha256 THEN 'REPLAY' "
    "WHEN prev IS NOT NULL THEN 'CONFLICT' "
    "WHEN j.status <> 'UPLOADING' THEN 'NOT_UPLOADING' "
    "WHEN $index <> j.chunks THEN 'OUT_OF_ORDER' "
    "WHEN j.bytes + $bytes > $maxBytes THEN 'TOO_LARGE' "
    "ELSE 'OK' END AS verdict "
    "CALL (j, verdict) { WITH j WHERE verdict = 'OK' "
    "  CREATE (:ImportChunk {key: $key, jobId: $id, index: $index, data: $data, "
    "    sha256: $sha256, bytes: $bytes}) "
    "  SET j.chunks = j.chunks + 1, j.bytes = j.bytes + $bytes, j.updatedAt = datetime($now) } "
    "CALL (j, verdict) { WITH j WHERE verdict IN ['OK', 'REPLAY'] AND $last "
    "  AND j.status = 'UPLOADING' "
    "  SET j.status = 'QUEUED', j.queuedAt = datetime($now), j.updatedAt = datetime($now) } "
    f"RETURN verdict, CASE WHEN j IS NULL THEN null ELSE {_JOB} END AS job"
)

_GET = f"MATCH (j:ImportJob {{id: $id}}) WHERE {_VISIBLE} RETURN {_JOB} AS job"

#: CANCELLED at once unless it is running (then CANCELLING: its runner stops after the batch)
_CANCEL = (
    f"MATCH (j:ImportJob {{id: $id}}) WHERE {_VISIBLE} "
    f"WITH j, {_STATUS} AS before "
    "SET j.status = CASE WHEN before IN ['UPLOADING', 'QUEUED', 'INTERRUPTED'] THEN 'CANCELLED' "
    "  WHEN before = 'RUNNING' THEN 'CANCELLING' ELSE j.status END, "
    "j.finishedAt = CASE WHEN before IN ['UPLOADING', 'QUEUED', 'INTERRUPTED'] "
    "  THEN datetime($now) ELSE j.finishedAt END, "
    "j.updatedAt = datetime($now) "
    "WITH j, before "
    "CALL (j, before) { WITH j WHERE j.status = 'CANCELLED' AND before <> 'CANCELLED' "
    "  MATCH (c:ImportChunk {jobId: j.id}) DETACH DELETE c } "
    f"RETURN before, {_JOB} AS job"
)

_RESUME = (
    f"MATCH (j:ImportJob {{id: $id}}) WHERE {_VISIBLE} "
    f"WITH j, {_STATUS} AS before "
    "CALL (j, before) { WITH j WHERE before = 'INTERRUPTED' "
    "  SET j.status = 'QUEUED', j.queuedAt = datetime($now), j.heartbeatAt = null, "
    "  j.updatedAt = datetime($now), j.message = null } "
    f"RETURN before, {_JOB} AS job"
)

# --- the runner's statements -----------------------------------------------------------------

_CLAIM = (
    "MATCH (j:ImportJob {id: $id}) WHERE j.status = 'QUEUED' "
    "SET j.status = 'RUNNING', j.startedAt = coalesce(j.startedAt, datetime($now)), "
    "j.heartbeatAt = datetime($now), j.updatedAt = datetime($now) "
    "RETURN j {.*} AS job"
)

_CHUNKS = (
    "UNWIND $keys AS key MATCH (c:ImportChunk {key: key}) "
    "RETURN c.index AS index, c.data AS data ORDER BY index"
)

_PROGRESS = (
    "MATCH (j:ImportJob {id: $id}) "
    "SET j += $props, j.heartbeatAt = datetime($now), j.updatedAt = datetime($now), "
    "j.errors = (coalesce(j.errors, []) + $newErrors)[..$maxErrors] "
    "RETURN j.status AS status"
)

_FINISH = (
    "MATCH (j:ImportJob {id: $id}) "
    "SET j += $props, j.status = $status, j.heartbeatAt = datetime($now), "
    "j.updatedAt = datetime($now), "
    "j.finishedAt = CASE WHEN $status = 'INTERRUPTED' THEN null ELSE datetime($now) END, "
    "j.errors = (coalesce(j.errors, []) + $newErrors)[..$maxErrors] "
    "WITH j "
    "CALL (j) { WITH j WHERE $status <> 'INTERRUPTED' "
    "  MATCH (c:ImportChunk {jobId: j.id}) DETACH DELETE c } "
    "RETURN j.status AS status"
)

_EXPIRE = (
    "MATCH (j:ImportJob) "
    f"WHERE (j.status IN {list(TERMINAL)!r} AND j.finishedAt < datetime($finishedBefore)) "
    "OR (j.status = 'UPLOADING' AND j.updatedAt < datetime($uploadedBefore)) "
    "WITH j LIMIT 100 "
    "CALL (j) { OPTIONAL MATCH (c:ImportChunk {jobId: j.id}) DETACH DELETE c } "
    "DETACH DELETE j RETURN count(*) AS deleted"
)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _base(errors_from: int = 0, errors_to: int = 0) -> dict[str, Any]:
    return {"now": _now(), "stale": STALE_S, "errorsFrom": errors_from, "errorsTo": errors_to}


async def create(
    graph: Graph,
    owner: str,
    props: dict[str, Any],
    *,
    max_open: int,
    errors: tuple[int, int] = (0, 0),
) -> dict[str, Any] | None:
    """A new UPLOADING job owned by `owner`; None when the owner already has `max_open`."""
    params = {**_base(*errors), "owner": owner, "props": props, "maxOpen": max_open}
    rows = await graph.write(_CREATE, params)
    return rows[0]["job"] if rows else None


async def append(
    graph: Graph,
    job_id: str,
    viewer: tuple[str, bool],
    *,
    index: int,
    data: str,
    sha256: str,
    size: int,
    last: bool,
    max_bytes: int,
    errors: tuple[int, int] = (0, 0),
) -> tuple[str, dict[str, Any] | None]:
    """Store piece `index` of the job (and with `last`, queue the job); the verdict and the
    job as it is afterwards."""
    owner, admin = viewer
    params = {
        **_base(*errors),
        "id": job_id,
        "owner": owner,
        "admin": admin,
        "key": f"{job_id}:{index}",
        "index": index,
        "data": data,
        "sha256": sha256,
        "bytes": size,
        "last": last,
        "maxBytes": max_bytes,
    }
    row = (await graph.write(_APPEND, params))[0]
    return str(row["verdict"]), row["job"]


async def get(
    graph: Graph, job_id: str, viewer: tuple[str, bool], *, errors: tuple[int, int] = (0, 0)
) -> dict[str, Any] | None:
    """The job (with refused rows errors[0] up to errors[1]) if the viewer may see it."""
    owner, admin = viewer
    params = {**_base(*errors), "id": job_id, "owner": owner, "admin": admin}
    rows = await graph.read(_GET, params)
    return rows[0]["job"] if rows else None


async def cancel(
    graph: Graph, job_id: str, viewer: tuple[str, bool], *, errors: tuple[int, int] = (0, 0)
) -> tuple[str, dict[str, Any]] | None:
    """(status before, job after) of a cancel, None when the viewer has no such job."""
    owner, admin = viewer
    params = {**_base(*errors), "id": job_id, "owner": owner, "admin": admin}
    rows = await graph.write(_CANCEL, params)
    return (str(rows[0]["before"]), rows[0]["job"]) if rows else None


async def resume(
    graph: Graph, job_id: str, viewer: tuple[str, bool], *, errors: tuple[int, int] = (0, 0)
) -> tuple[str, dict[str, Any]] | None:
    """Queue an INTERRUPTED job again: (status before, job after), None when there is none."""
    owner, admin = viewer
    params = {**_base(*errors), "id": job_id, "owner": owner, "admin": admin}
    rows = await graph.write(_RESUME, params)
    return (str(rows[0]["before"]), rows[0]["job"]) if rows else None


async def claim(graph: Graph, job_id: str) -> dict[str, Any] | None:
    """Mark a QUEUED job RUNNING for this process; the whole stored job, or None when it is
    not queued (cancelled meanwhile, or claimed by another process)."""
    rows = await graph.write(_CLAIM, {"id": job_id, "now": _now()})
    return rows[0]["job"] if rows else None


async def chunks(graph: Graph, job_id: str, indexes: range) -> list[str]:
    """The data of the job's pieces `indexes`, in order."""
    rows = await graph.read(_CHUNKS, {"keys": [f"{job_id}:{i}" for i in indexes]})
    return [str(r["data"]) for r in rows]


async def progress(
    graph: Graph, job_id: str, props: dict[str, Any], new_errors: list[str]
) -> str | None:
    """Record how far the job has got and that its runner is alive; the status it is in now
    (CANCELLING: a user asked it to stop)."""
    params = {
        "id": job_id,
        "now": _now(),
        "props": props,
        "newErrors": new_errors,
        "maxErrors": MAX_STORED_ERRORS,
    }
    rows = await graph.write(_PROGRESS, params)
    return str(rows[0]["status"]) if rows else None


async def finish(
    graph: Graph, job_id: str, status: str, props: dict[str, Any], new_errors: list[str]
) -> None:
    """End the job in `status`; its pieces are deleted unless it is only INTERRUPTED."""
    params = {
        "id": job_id,
        "now": _now(),
        "status": status,
        "props": props,
        "newErrors": new_errors,
        "maxErrors": MAX_STORED_ERRORS,
    }
    await graph.write(_FINISH, params)


async def expire(graph: Graph) -> int:
    """Delete (a hundred at a time) finished jobs past their keeping and abandoned uploads."""
    now = dt.datetime.now(dt.UTC)
    params = {
        "finishedBefore": (now - KEPT_FINISHED).isoformat(),
        "uploadedBefore": (now - ABANDONED_UPLOAD).isoformat(),
    }
    rows = await graph.write(_EXPIRE, params)
    return int(rows[0]["deleted"]) if rows else 0
