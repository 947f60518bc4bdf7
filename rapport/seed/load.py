"""Batched writes of generated rows through `Graph`: one UNWIND statement per batch (the
statements, and the wipe, are graphdb/seed.py's).

Generation runs in a worker thread and hands finished batches over a small bounded queue, so
Python builds the next batch while Neo4j writes the current one; memory stays O(batch size).
All nodes are written before any relationship, and relationships find their endpoints by id
(the uniqueness constraints provide the index). Each batch is one managed transaction.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date as date_type
from typing import Any

from rich.console import Console
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TextColumn
from rich.text import Text

from core.model import ENTITIES, WORKS_AT_PROPS
from core.model import Kind as PropKind
from graphdb import seed as statements
from graphdb.batches import BatchWriter, statement_slices
from graphdb.driver import Graph
from rapport.seed.rand import Row
from rapport.seed.rows import NODE_KINDS, REL_KINDS


class SeedError(RuntimeError):
    """The database did not take a batch as generated (for example a missing endpoint)."""


@dataclass
class SeedReport:
    """What `seed_graph` wrote: rows per node label and relationship kind, and how long."""

    customers: int
    seed: int
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)
    #: transactions that timed out and were split in two; waits for an unavailable database
    splits: int = 0
    waits: int = 0

    @property
    def total_nodes(self) -> int:
        return sum(self.nodes.values())

    @property
    def total_relationships(self) -> int:
        return sum(self.relationships.values())

    @property
    def rows_per_second(self) -> float:
        rows = self.total_nodes + self.total_relationships
        return rows / self.elapsed_s if self.elapsed_s else 0.0


def _model_temporal(label: str) -> dict[str, str]:
    entity = ENTITIES[label]
    return {
        name: "datetime" if prop.kind is PropKind.DATETIME else "date"
        for name, prop in entity.props.items()
        if prop.expr is None and prop.kind in (PropKind.DATETIME, PropKind.DATE)
    }


#: Temporal properties per row kind, sent as ISO strings and parsed by Cypher: the driver's
#: own conversion of Python datetimes costs ~100 µs each and made it the seeding bottleneck.
TEMPORAL: dict[str, dict[str, str]] = {
    **{label: _model_temporal(label) for label in NODE_KINDS},
    "WORKS_AT": {p.name: "date" for p in WORKS_AT_PROPS if p.kind is PropKind.DATE},
    "KNOWS": {"since": "date"},
    "REFERRED(Customer)": {"referredAt": "datetime"},
    "REFERRED(Contact)": {"referredAt": "datetime"},
}


def encode(kind: str, rows: list[Row]) -> list[Row]:
    """Copies of `rows` with dates and datetimes as ISO strings (the statement parses them).

    Copies, not in place: the generator may still read a row it has already handed out.
    """
    fields = TEMPORAL.get(kind, {})
    is_node = kind in NODE_KINDS

    def plain(props: Row) -> Row:
        out = dict(props)
        for name, value in props.items():
            if isinstance(value, date_type):
                if name not in fields:
                    raise SeedError(f"{kind}.{name} is temporal but not declared in TEMPORAL")
                out[name] = value.isoformat()
        return out

    if is_node:
        return [plain(row) for row in rows]
    return [{**row, "p": plain(row["p"])} for row in rows]


class _RateColumn(ProgressColumn):
    """Rows written and rows per second of one entity kind."""

    def render(self, task: Task) -> Text:
        busy = float(task.fields.get("busy", 0.0))
        speed = task.completed / busy if busy else 0.0
        return Text(f"{int(task.completed):>11,} rows {speed:>9,.0f} rows/s", style="cyan")


_DONE = object()


def _produce(
    batches: Iterator[tuple[str, list[Row]]],
    out: queue.Queue[Any],
    stop: threading.Event,
) -> None:
    """Worker thread: generate batches into `out` until exhausted or told to stop."""
    try:
        for kind, rows in batches:
            item = (kind, encode(kind, rows))
            while not stop.is_set():
                try:
                    out.put(item, timeout=0.2)
                    break
                except queue.Full:
                    continue
            if stop.is_set():
                return
        out.put(_DONE)
    except BaseException as exc:  # handed to the consumer, which re-raises it
        out.put(exc)


async def write_batches(
    graph: Graph,
    batches: Iterator[tuple[str, list[Row]]],
    report: SeedReport,
    *,
    progress: bool,
    console: Console | None = None,
    timeout_s: float = 60.0,
) -> None:
    """Write every batch in order: node kinds to nodes, relationship kinds to relationships.

    Each batch goes in transactions sized by time under `timeout_s` (graphdb.batches): a
    transaction that times out is split, an unavailable database is waited for."""
    handoff: queue.Queue[Any] = queue.Queue(maxsize=3)
    stop = threading.Event()
    worker = threading.Thread(
        target=_produce, args=(batches, handoff, stop), name="rapport-seed", daemon=True
    )
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<22}"),
        _RateColumn(),
        console=console or Console(stderr=True),
        disable=not progress,
        refresh_per_second=4,
    )
    tasks: dict[str, Any] = {}
    busy: dict[str, float] = {}
    writers: dict[str, BatchWriter] = {}
    worker.start()
    try:
        with bar:
            while True:
                item = await asyncio.to_thread(handoff.get)
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                kind, rows = item
                is_node = kind in NODE_KINDS
                statement = _statement(kind)
                if kind not in tasks:
                    tasks[kind] = bar.add_task(kind, total=None, busy=0.0)
                writer = writers.get(kind)
                if writer is None:
                    writer = writers[kind] = BatchWriter(len(rows), timeout_s, kind)
                started = time.perf_counter()
                count = await writer.write(rows, statement_slices(graph, statement))
                busy[kind] = busy.get(kind, 0.0) + time.perf_counter() - started
                if count != len(rows):
                    raise SeedError(
                        f"{kind}: wrote {count} of {len(rows)} rows; an endpoint is missing"
                    )
                bar.update(tasks[kind], advance=count, busy=busy[kind])
                target = report.nodes if is_node else report.relationships
                target[kind] = target.get(kind, 0) + count
    finally:
        stop.set()
        worker.join(timeout=5)
    report.seconds = {kind: round(seconds, 3) for kind, seconds in busy.items()}
    report.splits = sum(w.splits for w in writers.values())
    report.waits = sum(w.waits for w in writers.values())


#: The e-mail domain of the users the seed creates.
SEEDED_USER_DOMAIN = "@rapport.example"


async def foreign_credentials(graph: Graph) -> tuple[int, int]:
    """(users the seed did not create, API keys): what `seed --wipe` asks `--force` for."""
    return await statements.foreign_credentials(graph, SEEDED_USER_DOMAIN)


def _statement(kind: str) -> str:
    """The UNWIND statement that writes a batch of `kind` rows (graphdb/seed.py)."""
    temporal = TEMPORAL.get(kind, {})
    if kind in NODE_KINDS:
        return statements.node_statement(kind, temporal)
    source, rel_type, target = REL_KINDS[kind]
    return statements.rel_statement(source, rel_type, target, temporal)
