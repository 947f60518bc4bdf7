"""Batched writes of generated rows through `Graph`: one UNWIND statement per batch.

Generation runs in a worker thread and hands finished batches over a small bounded queue, so
Python builds the next batch while Neo4j writes the current one; memory stays O(batch size).
All nodes are written before any relationship, and relationships MATCH their endpoints by id
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
from graphdb.batches import BatchWriter, statement_slices
from graphdb.driver import Graph
from graphdb.labels import ENTITY_LABELS
from rapport.seed.rand import Row
from rapport.seed.rows import NODE_KINDS, REL_KINDS

#: Labels deleted first when wiping: children before parents keeps each transaction's
#: DETACH DELETE small (an Order takes its few lines along, a Product is deleted bare).
_WIPE_ORDER = (
    "Order",
    "Interaction",
    "Consent",
    "Contact",
    "Customer",
    "Company",
    "Product",
    "Tag",
    "User",
)


#: Infrastructure that `wipe_graph` never deletes.
KEPT_LABELS = ("RapportMigration", "RapportLock", "ApiKey")


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


def _conversions(var: str, kind: str) -> str:
    fields = TEMPORAL.get(kind, {})
    source = "r" if var == "n" else "r.p"
    return "".join(f", {var}.{name} = {fn}({source}.{name})" for name, fn in fields.items())


def node_statement(label: str) -> str:
    if label not in NODE_KINDS:
        raise ValueError(f"unknown node kind {label!r}")
    if label == "User":
        # A seeded user who holds an API key survives `--wipe --force` (credentials are kept);
        # seeding again updates that user instead of colliding with it half-way.
        return (
            f"UNWIND $rows AS r MERGE (n:User {{email: r.email}}) SET n += r"
            f"{_conversions('n', label)} RETURN count(*) AS written"
        )
    return (
        f"UNWIND $rows AS r CREATE (n:{label}) SET n = r{_conversions('n', label)} "
        "RETURN count(*) AS written"
    )


def rel_statement(kind: str) -> str:
    source, rel_type, target = REL_KINDS[kind]
    return (
        f"UNWIND $rows AS r MATCH (a:{source} {{id: r.a}}) MATCH (b:{target} {{id: r.b}}) "
        f"CREATE (a)-[x:{rel_type}]->(b) SET x = r.p{_conversions('x', kind)} "
        "RETURN count(*) AS written"
    )


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
                cypher = node_statement(kind) if is_node else rel_statement(kind)
                if kind not in tasks:
                    tasks[kind] = bar.add_task(kind, total=None, busy=0.0)
                writer = writers.get(kind)
                if writer is None:
                    writer = writers[kind] = BatchWriter(len(rows), timeout_s, kind)
                started = time.perf_counter()
                count = await writer.write(rows, statement_slices(graph, cypher))
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
    rows = await graph.read(
        "CALL { MATCH (u:User) WHERE NOT u.email ENDS WITH $domain RETURN count(u) AS users } "
        "CALL { MATCH (k:ApiKey) RETURN count(k) AS keys } RETURN users, keys",
        {"domain": SEEDED_USER_DOMAIN},
    )
    return int(rows[0]["users"]), int(rows[0]["keys"])


async def has_customers(graph: Graph) -> bool:
    rows = await graph.read("MATCH (c:Customer) RETURN c.id AS id LIMIT 1")
    return bool(rows)


async def wipe_graph(graph: Graph, *, batch_size: int = 10_000) -> int:
    """Delete the data graph in bounded transactions; returns the number of nodes deleted.

    Kept: migration records, application locks, API keys and the users holding them (wiping
    credentials would lock every client out of a running server). Labels go in dependency
    order, so a node with many relationships (a popular Product, a Tag) is deleted only after
    the nodes pointing at it, and no transaction detaches an unbounded number of relationships.
    """
    labels = [*_WIPE_ORDER, *(label for label in ENTITY_LABELS if label not in _WIPE_ORDER)]
    deleted = 0
    for label in labels:
        statement = (
            f"MATCH (n:{label}) WHERE NOT (n)-[:HAS_KEY]->() WITH n LIMIT $limit "
            "DETACH DELETE n RETURN count(*) AS deleted"
        )
        deleted += await _delete_until_empty(graph, statement, batch_size)
    deleted += await _delete_until_empty(
        graph,
        f"MATCH (n) WHERE NOT n:{' AND NOT n:'.join(KEPT_LABELS)} "
        "AND NOT (n:User AND (n)-[:HAS_KEY]->()) WITH n LIMIT $limit "
        "DETACH DELETE n RETURN count(*) AS deleted",
        batch_size,
    )
    return deleted


async def _delete_until_empty(graph: Graph, statement: str, batch_size: int) -> int:
    total = 0
    while True:
        rows = await graph.write(statement, {"limit": batch_size})
        deleted = int(rows[0]["deleted"]) if rows else 0
        total += deleted
        if deleted < batch_size:
            return total
