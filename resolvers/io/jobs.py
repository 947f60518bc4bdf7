"""Import jobs: `rapport import` over GraphQL for files too big for one importRecords request.

A client starts a job with the options importRecords takes (`startImport`), uploads the file
in pieces of at most `MAX_CHUNK_BYTES` (`appendImportChunk`, numbered from 0; a piece sent
again with the same bytes is accepted again, so a client retries a lost response safely), and
marks the last piece. The job then runs in the background of the server that received it,
through exactly the CLI's code path (the pieces are spooled to a temporary file, read with its
readers, presets and checks, imported in batches), and `importJob(id)` reads its progress: the
row reached, the counts, rows per second, the estimated time left and every refused row.

Why a spooled file and not the pieces streamed: the CLI's readers detect the delimiter from a
sample, count the rows for the progress total and stream with constant memory from a file;
reusing them keeps one meaning of every option. The pieces stay in Neo4j (not on this
server's disk) until the job ends, so any server behind a load balancer can take an upload
and a job interrupted by a restart can be resumed (`resumeImport`) after the last committed
batch, as `rapport import --resume` does. A running job writes its progress every
`HEARTBEAT_S` seconds; a job whose heartbeat stops (its process crashed) reads as INTERRUPTED.

Like importRecords, jobs are for ADMIN and MANAGER, audited with action `importRecords`, and
each user sees (and cancels, resumes) only their own jobs; an ADMIN sees everyone's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import logging
import tempfile
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

from core import global_id
from core.codes import WriteCode
from core.model import NODE_TYPES
from core.settings import Settings
from core.validation import Code, FieldError
from core.viewer import Viewer
from graphdb.compiler.errors import QueryArgumentError
from graphdb.driver import Graph
from graphdb.io import jobs as store
from resolvers.call import Call, Input
from resolvers.io.importing import MissingColumns, import_rows, plan_columns
from resolvers.io.mapping import MappingError, parse_map
from resolvers.io.readers import Format, ReadError, read_file
from resolvers.io.report import ImportResult, RowError, private_error
from resolvers.io.resume import Committed
from resolvers.io.values import conventions
from resolvers.writes import policy
from resolvers.writes._audit import Actor

log = logging.getLogger("rapport.import")

TYPE = "ImportJob"
#: What a `jobId` may name: an import job, or a node (refused with WRONG_TYPE, not INVALID_ID).
_ID_TYPES = frozenset({TYPE}) | NODE_TYPES
#: a piece's UTF-8 size: with JSON escaping it stays under the default 1 MiB request body
MAX_CHUNK_BYTES = 512 * 1024
MAX_JOB_BYTES = 256 * 1024 * 1024
MAX_OPEN_PER_USER = 5
MAX_STORED_ERRORS = store.MAX_STORED_ERRORS
#: refused rows (from, to) a job's answer carries
Window = tuple[int, int]
#: jobs that run at once in one server process (the others wait QUEUED)
RUNNING_PER_PROCESS = 2
HEARTBEAT_S = 2.0
#: pieces read from the database at once while spooling
_SPOOL_WINDOW = 8


# --- use cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobView:
    """A job as `importJob` and the job mutations answer it (the stored map, plus the window
    of refused rows asked for)."""

    raw: dict[str, Any]
    errors_from: int = 0

    @property
    def id(self) -> str:
        return global_id.encode(TYPE, str(self.raw["id"]))

    def errors(self) -> list[RowError]:
        return [RowError(**orjson.loads(e)) for e in self.raw.get("errors") or []]


def _viewer(viewer: Viewer) -> tuple[str, bool]:
    return viewer.user_id, viewer.is_admin


def _error(path: str, code: str, message: str) -> FieldError:
    return FieldError(("input", path), code, message)


def _raw_id(value: Any, path: str = "jobId") -> str | FieldError:
    try:
        type_name, raw = global_id.decode(str(value), _ID_TYPES)
    except global_id.InvalidGlobalId:
        return _error(path, WriteCode.INVALID_ID, "`jobId` is not an id issued by this API.")
    if type_name != TYPE:
        return _error(path, WriteCode.WRONG_TYPE, f"`jobId` names a {type_name}, not an ImportJob.")
    return raw


@dataclass
class JobOutcome:
    """A job mutation's answer: the job (None when refused before there was one) and errors."""

    job: JobView | None = None
    errors: list[FieldError] = field(default_factory=list)


def _staff(call: Call, action: str) -> FieldError | None:
    viewer = call.viewer
    if viewer.role not in policy.roles_for(action):
        return policy.role_refusal(viewer, action)
    return None


async def start_import(call: Call, data: Input, window: Window = (0, 0)) -> JobOutcome:
    """A new job in UPLOADING, with its options checked now (not after the upload)."""
    refusal = _staff(call, "startImport")
    if refusal is not None:
        return JobOutcome(errors=[refusal])
    try:
        if data.map is not None and not isinstance(data.map, dict):
            raise MappingError('map must be an object: {"source header": "field"}.')
        renames = parse_map(data.map if isinstance(data.map, dict) else None)
    except MappingError as exc:
        return JobOutcome(errors=[_error("map", Code.INVALID_VALUE, str(exc))])
    if data.locale is not None:
        try:
            conventions(data.locale)
        except ValueError as exc:
            return JobOutcome(errors=[_error("locale", Code.INVALID_VALUE, str(exc))])
    if data.delimiter is not None:
        from resolvers.io.sniff import SniffError, delimiter_char

        try:
            delimiter_char(data.delimiter)
        except SniffError as exc:
            return JobOutcome(errors=[_error("delimiter", Code.INVALID_VALUE, str(exc))])
    if data.preset is not None:
        try:
            plan_columns(str(data.type.value), None, {}, data.preset)
        except MappingError as exc:
            return JobOutcome(errors=[_error("preset", Code.INVALID_VALUE, str(exc))])
    viewer = call.viewer
    options = {
        "renames": renames,
        "delimiter": data.delimiter,
        "locale": data.locale,
        "preset": data.preset,
    }
    props = {
        "id": global_id.new_raw_id(),
        "ownerId": viewer.user_id,
        "ownerEmail": viewer.email,
        "credentialId": viewer.credential_id,
        "type": str(data.type.value),
        "format": "jsonl" if data.format.name == "JSONL" else "csv",
        "options": orjson.dumps(options).decode(),
        "dryRun": bool(data.dry_run),
    }
    job = await store.create(
        call.graph, viewer.user_id, props, max_open=MAX_OPEN_PER_USER, errors=window
    )
    if job is None:
        return JobOutcome(
            errors=[
                _error(
                    "type",
                    WriteCode.TOO_MANY_JOBS,
                    f"You have {MAX_OPEN_PER_USER} import jobs open (uploading, queued or "
                    "running); finish or cancel one (cancelImport) first.",
                )
            ]
        )
    return JobOutcome(JobView(job, window[0]))


_APPEND_REFUSALS = {
    "NOT_FOUND": ("jobId", WriteCode.NOT_FOUND, "No import job of yours has this id."),
    "CONFLICT": (
        "index",
        WriteCode.CHUNK_CONFLICT,
        "A different piece was already uploaded under this index; pieces are numbered 0, 1, "
        "2… and each index holds one piece for good.",
    ),
    "NOT_UPLOADING": (
        "jobId",
        WriteCode.NOT_UPLOADING,
        "The job takes no more pieces: its last piece was sent, or it was cancelled.",
    ),
    "TOO_LARGE": (
        "data",
        Code.TOO_LONG,
        f"A job holds at most {MAX_JOB_BYTES // (1024 * 1024)} MiB; split the file into "
        "several jobs, or use `rapport import` on the server.",
    ),
}


async def append_chunk(call: Call, data: Input, window: Window = (0, 0)) -> JobOutcome:
    """Store one piece of the upload; with `last`, queue the job and start running it here."""
    refusal = _staff(call, "appendImportChunk")
    if refusal is not None:
        return JobOutcome(errors=[refusal])
    raw = _raw_id(data.job_id)
    if isinstance(raw, FieldError):
        return JobOutcome(errors=[raw])
    if data.index < 0:
        return JobOutcome(errors=[_error("index", Code.OUT_OF_RANGE, "`index` starts at 0.")])
    encoded = data.data.encode("utf-8", "surrogatepass")
    if len(encoded) > MAX_CHUNK_BYTES:
        return JobOutcome(
            errors=[
                _error(
                    "data",
                    Code.TOO_LONG,
                    f"A piece holds at most {MAX_CHUNK_BYTES // 1024} KiB of UTF-8 "
                    f"({len(encoded):,} bytes were sent); send smaller pieces.",
                )
            ]
        )
    if not encoded and not data.last:
        return JobOutcome(errors=[_error("data", Code.REQUIRED, "A piece cannot be empty.")])
    verdict, job = await store.append(
        call.graph,
        raw,
        _viewer(call.viewer),
        index=data.index,
        data=data.data,
        sha256=hashlib.sha256(encoded).hexdigest(),
        size=len(encoded),
        last=bool(data.last),
        max_bytes=MAX_JOB_BYTES,
        errors=window,
    )
    view = JobView(job, window[0]) if job is not None else None
    if verdict == "OUT_OF_ORDER":
        expected = job["chunks"] if job is not None else 0
        message = f"Pieces go in order: the next one is index {expected}, not {data.index}."
        return JobOutcome(view, [_error("index", WriteCode.OUT_OF_ORDER, message)])
    if verdict in _APPEND_REFUSALS:
        path, code, message = _APPEND_REFUSALS[verdict]
        return JobOutcome(view, [_error(path, code, message)])
    if job is not None and job["status"] == "QUEUED":
        runner().start(call.graph, call.settings, raw)
    return JobOutcome(view)


async def _act_on(
    call: Call, data: Input, action: str, act: Any, window: Window
) -> JobOutcome | tuple[str, str, dict[str, Any]]:
    """The checks cancelImport and resumeImport share: the role, the id, a job of the viewer's.
    Returns the refusal, or (raw id, status before, the job after `act`)."""
    refusal = _staff(call, action)
    if refusal is not None:
        return JobOutcome(errors=[refusal])
    raw = _raw_id(data.job_id)
    if isinstance(raw, FieldError):
        return JobOutcome(errors=[raw])
    found = await act(call.graph, raw, _viewer(call.viewer), errors=window)
    if found is None:
        path, code, message = _APPEND_REFUSALS["NOT_FOUND"]
        return JobOutcome(errors=[_error(path, code, message)])
    before, job = found
    return raw, before, job


async def cancel_import(call: Call, data: Input, window: Window = (0, 0)) -> JobOutcome:
    """Stop a job: at once unless it is running; a running one stops after its current batch
    (the rows written until then stay written, as after Ctrl-C on `rapport import`)."""
    acted = await _act_on(call, data, "cancelImport", store.cancel, window)
    if isinstance(acted, JobOutcome):
        return acted
    _, before, job = acted
    if before in store.TERMINAL:
        message = f"The job has already ended ({before}); there is nothing to cancel."
        refusal = _error("jobId", WriteCode.ALREADY_ENDED, message)
        return JobOutcome(JobView(job, window[0]), [refusal])
    return JobOutcome(JobView(job, window[0]))


async def resume_import(call: Call, data: Input, window: Window = (0, 0)) -> JobOutcome:
    """Run an INTERRUPTED job again from after its last committed batch."""
    acted = await _act_on(call, data, "resumeImport", store.resume, window)
    if isinstance(acted, JobOutcome):
        return acted
    raw, before, job = acted
    if before != "INTERRUPTED":
        message = f"Only an INTERRUPTED job can be resumed; this one is {before}."
        refusal = _error("jobId", WriteCode.NOT_INTERRUPTED, message)
        return JobOutcome(JobView(job, window[0]), [refusal])
    runner().start(call.graph, call.settings, raw)
    return JobOutcome(JobView(job, window[0]))


async def import_job(call: Call, job_id: str, errors: Window) -> JobView | None:
    """The job, if the viewer may see it (None otherwise: another user's job is not found,
    not forbidden, so ids cannot be probed); `errors` is the window of refused rows to read."""
    raw = _raw_id(job_id, "id")
    if isinstance(raw, FieldError):
        raise QueryArgumentError(raw.message, code=raw.code, argument="id")
    job = await store.get(call.graph, raw, _viewer(call.viewer), errors=errors)
    return JobView(job, errors[0]) if job is not None else None


# --- the runner ------------------------------------------------------------------------------


class JobCancelled(Exception):
    """A user cancelled the job: raised after a committed batch, where stopping loses nothing."""


class JobProgress:
    """The import's checkpoint (resolvers/io/resume.py's protocol), kept on the job's node:
    each committed batch's state is remembered here and written by the heartbeat."""

    def __init__(self, graph: Graph, job: dict[str, Any]) -> None:
        self.graph = graph
        self.job_id = str(job["id"])
        self.committed: Committed | None = _stored_committed(job)
        self._sent_errors = len(job.get("errors") or [])
        self._written: Committed | None = self.committed
        self.cancel_requested = False
        self.started = time.perf_counter()
        self.resumed_rows = self.committed.rows if self.committed is not None else 0

    def save(self, committed: Committed) -> None:
        self.committed = committed
        if self.cancel_requested:
            raise JobCancelled

    def remove(self) -> None:
        """Nothing to remove: the finished job's state is its result."""

    def _props(self, errors: list[RowError] | None = None) -> tuple[dict[str, Any], list[str]]:
        """The committed state as stored properties, and the refused rows not stored yet
        (`errors`: the finished import's, which may go past the last committed batch)."""
        c = self.committed
        if c is None:
            return {}, _stored_errors((errors or [])[self._sent_errors :])
        new = _stored_errors((c.errors if errors is None else errors)[self._sent_errors :])
        elapsed = time.perf_counter() - self.started
        props = {
            "rowReached": c.after_row,
            "rowsRead": c.rows,
            "valid": c.valid,
            "created": c.created,
            "updated": c.updated,
            "unchanged": c.unchanged,
            "linked": c.linked,
            "failed": len({e.row for e in c.errors}),
            "errorCount": len(c.errors),
            "pending": orjson.dumps(c.pending).decode(),
            "rowsPerSecond": (c.rows - self.resumed_rows) / elapsed if elapsed > 0 else 0.0,
        }
        return props, new

    async def beat(self) -> None:
        """Write the latest committed state (and that this process is alive); notice a cancel."""
        props, new = self._props()
        status = await store.progress(self.graph, self.job_id, props, new)
        self._sent_errors += len(new)
        if status == "CANCELLING":
            self.cancel_requested = True

    async def finish(
        self, status: str, extra: dict[str, Any], errors: list[RowError] | None = None
    ) -> None:
        props, new = self._props(errors)
        await store.finish(self.graph, self.job_id, status, {**props, **extra}, new)
        self._sent_errors += len(new)


def _stored_errors(errors: list[RowError]) -> list[str]:
    """Refused rows as the job keeps them: JSON, personal values redacted (resolvers/io/report)."""
    return [orjson.dumps(private_error(dataclasses.asdict(e))).decode() for e in errors]


def _stored_committed(job: dict[str, Any]) -> Committed | None:
    if not job.get("rowReached"):
        return None
    return Committed(
        after_row=int(job["rowReached"]),
        rows=int(job.get("rowsRead") or 0),
        valid=int(job.get("valid") or 0),
        created=int(job.get("created") or 0),
        updated=int(job.get("updated") or 0),
        unchanged=int(job.get("unchanged") or 0),
        linked=int(job.get("linked") or 0),
        errors=[RowError(**orjson.loads(e)) for e in job.get("errors") or []],
        pending=list(orjson.loads(job.get("pending") or "[]")),
    )


class Runner:
    """This process's running jobs (one per event loop: each test server has its own)."""

    def __init__(self) -> None:
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.slots = asyncio.Semaphore(RUNNING_PER_PROCESS)

    def start(self, graph: Graph, settings: Settings, job_id: str) -> None:
        if job_id in self.tasks:
            return
        task = asyncio.get_running_loop().create_task(self._run(graph, settings, job_id))
        self.tasks[job_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(job_id, None))

    async def _run(self, graph: Graph, settings: Settings, job_id: str) -> None:
        async with self.slots:
            job = await store.claim(graph, job_id)
            if job is None:
                return
            try:
                await _run_claimed(graph, settings, job)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("import job %s failed", job_id)
        try:
            await store.expire(graph)
        except Exception:
            log.exception("could not delete expired import jobs")

    async def shutdown(self) -> None:
        """Stop every running job (each is left INTERRUPTED, resumable) and wait for them."""
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


_RUNNERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Runner] = weakref.WeakKeyDictionary()


def runner() -> Runner:
    loop = asyncio.get_running_loop()
    if loop not in _RUNNERS:
        _RUNNERS[loop] = Runner()
    return _RUNNERS[loop]


async def shutdown() -> None:
    """At server shutdown: interrupt this process's jobs cleanly (they can be resumed)."""
    loop = asyncio.get_running_loop()
    if loop in _RUNNERS:
        await _RUNNERS[loop].shutdown()


async def _spool(graph: Graph, job: dict[str, Any], path: Path) -> None:
    count = int(job["chunks"])
    with path.open("w", encoding="utf-8", newline="", errors="surrogatepass") as out:
        for first in range(0, count, _SPOOL_WINDOW):
            window = range(first, min(first + _SPOOL_WINDOW, count))
            for data in await store.chunks(graph, str(job["id"]), window):
                out.write(data)


async def _heartbeat(progress: JobProgress) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_S)
        try:
            await progress.beat()
        except Exception:  # the database is away for a moment: the next beat tries again
            log.warning("import job %s: could not record progress", progress.job_id)


async def _run_claimed(graph: Graph, settings: Settings, job: dict[str, Any]) -> None:
    progress = JobProgress(graph, job)
    options = orjson.loads(job["options"])
    fmt: Format = "jsonl" if job["format"] == "jsonl" else "csv"
    with tempfile.TemporaryDirectory(prefix="rapport-import-") as tmp:
        path = Path(tmp) / f"upload.{fmt}"
        await _spool(graph, job, path)
        try:
            source = read_file(path, fmt, encoding="utf-8", delimiter=options.get("delimiter"))
            plan = plan_columns(
                str(job["type"]), source.header(), options.get("renames") or {}, options["preset"]
            )
        except (ReadError, MappingError) as exc:
            code = Code.REQUIRED if isinstance(exc, MissingColumns) else Code.INVALID_VALUE
            await progress.finish("FAILED", {"message": str(exc), "failureCode": code})
            return
        detected = {
            k: v for k, v in source.detected.as_json().items() if not k.startswith("encoding")
        }
        await store.progress(
            graph,
            progress.job_id,
            {
                "rowsTotal": source.last_row(),
                "detected": orjson.dumps(
                    {
                        **detected,
                        "preset": plan.preset.name if plan.preset is not None else None,
                        "locale": options.get("locale"),
                        "unmappedColumns": [u.column for u in plan.unmapped],
                    }
                ).decode(),
                "resumedAfter": progress.committed.after_row if progress.committed else None,
            },
            [],
        )
        beating = asyncio.get_running_loop().create_task(_heartbeat(progress))
        try:
            result = await import_rows(
                graph,
                str(job["type"]),
                source,
                renames=plan.renames,
                preset=plan.preset,
                dry_run=bool(job["dryRun"]),
                locale=options.get("locale"),
                default_phone_region=settings.default_phone_region,
                console=Console(file=io.StringIO()),
                progress=False,
                audit=Actor(
                    str(job["ownerId"]),
                    str(job.get("ownerEmail") or ""),
                    str(job.get("credentialId") or ""),
                    "importRecords",
                ),
                checkpoint=progress,  # type: ignore[arg-type]
            )
        except JobCancelled:
            await progress.finish("CANCELLED", {"message": "Cancelled by a user."})
            return
        except asyncio.CancelledError:  # the server is stopping: resumable
            await progress.finish(
                "INTERRUPTED", {"message": "The server stopped; resume the job to go on."}
            )
            raise
        except Exception as exc:
            log.exception("import job %s stopped", progress.job_id)
            after = progress.committed.after_row if progress.committed else 0
            await progress.finish(
                "INTERRUPTED",
                {
                    "message": f"The import stopped after row {after} ({type(exc).__name__}); "
                    "resume the job to go on from there."
                },
            )
            return
        finally:
            beating.cancel()
        await progress.finish("SUCCEEDED", _final(result, source.last_row()), result.errors)


def _final(result: ImportResult, last_row: int | None) -> dict[str, Any]:
    return {
        **result.tally(),
        "rowsRead": result.rows,
        "rowReached": last_row or 0,
        "failed": result.failed,
        "errorCount": len(result.errors),
        "pending": None,
        "message": None,
    }
