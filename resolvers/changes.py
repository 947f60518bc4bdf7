"""The change feed over the audit trail: `Query.changes` pages it, `Subscription.changes`
streams it. docs/subscriptions.md states the guarantees; this module keeps them.

- **Order**: a mutation writes its AuditEvent unnumbered (`:ChangePending`) in its own
  transaction, taking no shared lock. Readers number committed pending events first
  (`number_pending`): under the ChangeLog counter's lock, in the order they were recorded, so
  numbers are unique, contiguous and only grow, and an event committed later gets a greater
  number than every event numbered before. A cursor is a `seq`; "after a cursor" is
  `seq > cursor`, and nothing committed can end up at or below a cursor already handed out.
- **Nothing lost**: readers deliver only a gap-free run of numbers. A missing number is a
  numbering that a read overlapped; the read stops before it and the next poll gets it. Only a
  number still missing `GAP_SETTLE_S` after a later event was numbered (an event deleted by
  hand) is passed over, and logged.
- **Fan-out**: each API process runs one poller (`ChangeHub`) for all its subscribers, reading
  the log from the database; any process's subscribers see every process's writes. Subscribers
  have bounded queues; one that falls more than `max_pending` events behind is dropped with a
  reason, and resumes with `after`.
- **Masking**: the entity and the actor are read through the read compiler with the
  subscriber's visibility, as `node(id:)` would; changed fields are names, never values.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncGenerator, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import orjson

from core import global_id
from core.model import ENTITIES, Kind
from core.selection import Field
from graphdb import changes as cypher
from graphdb.compiler import Compiled
from graphdb.compiler import cursor as cursors
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.records import Wanted, compile_records
from graphdb.compiler.visibility import Visibility
from graphdb.driver import Graph, run_in, write_refused
from graphdb.segments import StaleSegments
from resolvers.segments import cache as segment_cache

log = logging.getLogger("rapport.changes")

#: entity types that have change events (the subjects of audited writes)
ENTITY_TYPES = (
    "Customer",
    "Company",
    "Contact",
    "Product",
    "Order",
    "Interaction",
    "User",
    "Segment",
)
ACTIONS = ("CREATED", "UPDATED", "DELETED", "MERGED", "ERASED", "DISCLOSED")

#: a number missing this long after a later event was recorded is passed over (module docs)
GAP_SETTLE_S = 10.0
#: events a filtered `changes` query looks through for one page
SCAN = 1000
#: events the poller reads per statement
POLL_BATCH = 500
#: events one numbering pass numbers
NUMBER_BATCH = 5000
#: connections of the poller's own driver (polls, and the entity reads of live batches), so
#: that delivering what is committed never queues behind the API's backlog of writes
FEED_POOL = 4

_SIG = cursors.signature("ChangeEvent", [("seq", False)])
_KINDS = [(Kind.STRING, False), (Kind.INT, False)]

#: relationship type behind each relationship field of the audit state (resolvers/writes/_audit)
RELATIONSHIP_TYPES = {
    "company": "ACCOUNT_OF",
    "accountManager": "MANAGES",
    "referredBy": "REFERRED",
    "tags": "TAGGED",
    "consent": "HAS_CONSENT",
    "employment": "WORKS_AT",
    "reportsTo": "REPORTS_TO",
    "knows": "KNOWS",
    "customer": "PLACED",
    "lines": "CONTAINS",
    "participants": "WITH",
    "loggedBy": "LOGGED",
}


class CursorExpired(QueryArgumentError):
    def __init__(self, message: str, argument: str = "after") -> None:
        super().__init__(message, code="CURSOR_EXPIRED", argument=argument)


@dataclass(frozen=True)
class FeedConfig:
    retention_s: float
    poll_interval_s: float
    max_pending: int
    max_page_size: int


@dataclass(frozen=True)
class RelationshipChange:
    type: str
    field: str
    change: str  # ADDED | REMOVED | CHANGED
    other_id: str | None  # global id of the other end, when there is one


@dataclass(frozen=True)
class ChangeRow:
    seq: int
    epoch: str
    at: dt.datetime
    action: str
    mutation: str
    entity_type: str
    entity_id: str  # raw id
    actor_id: str | None  # raw id
    changed_fields: list[str]
    relationships: list[RelationshipChange]

    @property
    def cursor(self) -> str:
        return encode_cursor(self.epoch, self.seq)

    @property
    def entity_global_id(self) -> str:
        return global_id.encode(self.entity_type, self.entity_id)


def encode_cursor(epoch: str, seq: int) -> str:
    return cursors.encode(_SIG, [epoch[:8], seq])


def decode_cursor(value: str, argument: str = "after") -> tuple[str, int]:
    epoch, seq = cursors.decode(value, _SIG, _KINDS, argument)
    if seq < 0:
        raise QueryArgumentError(
            f"`{argument}` is not a valid cursor. Use a cursor returned by `changes`.",
            code="INVALID_CURSOR",
            argument=argument,
        )
    return str(epoch), int(seq)


def _native(value: Any) -> dt.datetime:
    native = value.to_native() if hasattr(value, "to_native") else value
    assert isinstance(native, dt.datetime)
    return native


def _base(key: str) -> str:
    return key.split("[", 1)[0]


def _ref(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def relationships(changes: dict[str, Any]) -> list[RelationshipChange]:
    """The relationship changes inside an event's `{field: {before, after}}`."""
    out: list[RelationshipChange] = []
    for key, change in changes.items():
        base = _base(key)
        rel = RELATIONSHIP_TYPES.get(base)
        if rel is None or not isinstance(change, dict):
            continue
        before, after = change.get("before"), change.get("after")
        if "[" in key:  # one of many: employment[<company id>], knows[...], consent[...]
            other = key[len(base) + 1 : -1]
            kind = "ADDED" if before is None else "REMOVED" if after is None else "CHANGED"
            out.append(RelationshipChange(rel, base, kind, other))
        elif base == "participants":
            old, new = set(before or []), set(after or [])
            out += [RelationshipChange(rel, base, "ADDED", o) for o in sorted(new - old)]
            out += [RelationshipChange(rel, base, "REMOVED", o) for o in sorted(old - new)]
        elif base in ("tags", "lines"):
            kind = "ADDED" if not before else "REMOVED" if not after else "CHANGED"
            out.append(RelationshipChange(rel, base, kind, None))
        else:
            old_ref, new_ref = _ref(before), _ref(after)
            if old_ref is not None and old_ref != new_ref:
                out.append(RelationshipChange(rel, base, "REMOVED", old_ref))
            if new_ref is not None and old_ref != new_ref:
                out.append(RelationshipChange(rel, base, "ADDED", new_ref))
            if new_ref is not None and old_ref == new_ref:
                out.append(RelationshipChange(rel, base, "CHANGED", new_ref))
    return out


def to_row(event: Any, epoch: str) -> ChangeRow:
    changes = orjson.loads(event.get("changes") or "{}")
    fields = list(dict.fromkeys(_base(k) for k in changes))
    action = event.get("change") or "UPDATED"
    return ChangeRow(
        seq=int(event["seq"]),
        epoch=epoch,
        at=_native(event["at"]),
        action=str(action),
        mutation=str(event["action"]),
        entity_type=str(event["entityType"]),
        entity_id=str(event["entityId"]),
        actor_id=event.get("actorId"),
        changed_fields=fields,
        relationships=relationships(changes) if isinstance(changes, dict) else [],
    )


# --- reading a window of the log ------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    head: int
    epoch: str | None
    cursor_at: dt.datetime | None
    start: int
    rows: list[ChangeRow]  # gap-free, from start + 1
    #: committed events are waiting for a number (they follow `head` once numbered)
    pending: bool = False


def _gap_free(start: int, events: list[Any], now: dt.datetime, epoch: str) -> list[ChangeRow]:
    rows: list[ChangeRow] = []
    expected = start + 1
    for event in events:
        seq = int(event["seq"])
        if seq != expected:
            numbered = _native(event.get("sequencedAt") or event["at"])
            if (now - numbered).total_seconds() < GAP_SETTLE_S:
                break  # a commit this read did not see yet: the next read gets it
            log.warning("change log: numbers %d to %d are missing; passed over", expected, seq - 1)
        rows.append(to_row(event, epoch))
        expected = seq + 1
    return rows


async def number_pending(graph: Graph, *, known: bool = False) -> int:
    """Number the committed events that have no number yet (graphdb/changes.py); how many.
    `known`: the caller has just seen that some are pending (no read to find out)."""
    if not known:
        found = await graph.read(cypher.PENDING)
        if not found or not found[0]["pending"]:
            return 0

    async def work(tx: Any) -> int:
        await run_in(tx, cypher.LOCK, {})
        rows = await run_in(tx, cypher.NUMBER, {"limit": NUMBER_BATCH})
        return int(rows[0]["numbered"]) if rows else 0

    return await graph.write_tx(work)


async def read_window(graph: Graph, after: int | None, limit: int, retention_s: float) -> Window:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=retention_s)
    found = await graph.read(cypher.WINDOW, {"after": after, "limit": limit, "since": since})
    row = found[0]
    epoch = row["epoch"] or ""
    start = int(row["start"])
    return Window(
        head=int(row["head"]),
        epoch=row["epoch"],
        cursor_at=_native(row["cursorAt"]) if row["cursorAt"] is not None else None,
        start=start,
        rows=_gap_free(start, list(row["events"]), _native(row["now"]), epoch),
        pending=bool(row.get("pending")),
    )


def check_cursor(window: Window, epoch: str, retention_s: float) -> None:
    """CURSOR_EXPIRED for a cursor the log can no longer replay from."""
    if window.epoch is None or window.epoch[:8] != epoch:
        raise CursorExpired(
            "`after` is a cursor of a change log that no longer exists (the database was "
            "emptied or replaced). Start again without `after`."
        )
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=retention_s)
    if window.cursor_at is not None and window.cursor_at < since:
        days = retention_s / 86400
        raise CursorExpired(
            f"`after` is older than the change feed's retention ({days:g} days): changes since "
            "then can no longer be replayed. Reload the records you follow, then subscribe "
            "without `after`."
        )


# --- filters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    types: frozenset[str] | None = None
    entity: tuple[str, str] | None = None  # (type, raw id)
    actions: frozenset[str] | None = None

    @classmethod
    def of(
        cls, types: list[str] | None, entity_id: str | None, actions: list[str] | None
    ) -> Filters:
        entity = None
        if entity_id is not None:
            try:
                entity = global_id.decode(entity_id)
            except global_id.InvalidGlobalId as exc:
                raise QueryArgumentError(
                    "`entityId` is not an id issued by this API.",
                    code="INVALID_ID",
                    argument="entityId",
                ) from exc
        return cls(
            frozenset(types) if types is not None else None,
            entity,
            frozenset(actions) if actions is not None else None,
        )

    @property
    def none(self) -> bool:
        return self.types is None and self.entity is None and self.actions is None

    def match(self, row: ChangeRow) -> bool:
        if self.types is not None and row.entity_type not in self.types:
            return False
        if self.entity is not None and (row.entity_type, row.entity_id) != self.entity:
            return False
        return self.actions is None or row.action in self.actions


# --- entities and actors through the read path -----------------------------------------------


class EntityReader:
    """Reads the `entity` and `actor` a client selected, for a batch of events, in one
    statement compiled with the client's selection and visibility (as `nodes(ids:)` is)."""

    def __init__(
        self,
        entity: Field | None,
        actor: Field | None,
        visibility: Visibility,
        max_page_size: int,
        schema: Any,
        key: Any,
    ) -> None:
        self.entity, self.actor = entity, actor
        self.visibility, self.max_page_size = visibility, max_page_size
        self.schema, self.key = schema, key

    @property
    def needed(self) -> bool:
        return self.entity is not None or self.actor is not None

    def _compile(self, rows: list[ChangeRow]) -> Compiled | None:
        wanted: list[Wanted] = []
        if self.entity is not None:
            by_type: dict[str, list[str]] = {}
            for r in rows:
                by_type.setdefault(r.entity_type, []).append(r.entity_id)
            for type_name in sorted(by_type):
                if type_name in ENTITIES:
                    ids = sorted(set(by_type[type_name]))
                    wanted.append(self._wanted("e", type_name, self.entity, ids))
        if self.actor is not None:
            actors = sorted({r.actor_id for r in rows if r.actor_id})
            if actors:
                wanted.append(self._wanted("a", "User", self.actor, actors))
        return compile_records(wanted, self.visibility, self.max_page_size)

    @staticmethod
    def _wanted(prefix: str, type_name: str, selected: Field, ids: list[str]) -> Wanted:
        fields = selected.by_type.get(type_name, selected.children)
        return Wanted(f"{prefix}:{type_name}", type_name, fields, ids, f"changes.{selected.key}")

    async def read(self, graph: Graph, rows: list[ChangeRow]) -> dict[tuple[str, str], Any]:
        """{('e', 'Type:id') or ('a', id): row} for what exists and the client selected."""
        if not self.needed or not rows:
            return {}
        for attempt in range(2):
            compiled = self._compile(rows)
            if compiled is None:
                return {}
            found = await graph.read(compiled.cypher, compiled.params)
            try:
                out: dict[tuple[str, str], Any] = {}
                for (tag, raw_id), shaped in compiled.shape(found).items():
                    prefix, type_name = tag.split(":")
                    key = f"{type_name}:{raw_id}" if prefix == "e" else raw_id
                    out[(prefix, key)] = shaped
                return out
            except StaleSegments:
                if attempt == 0:
                    await segment_cache.reload(graph, self.schema)
        return {}


@dataclass(frozen=True)
class Delivered:
    """One event as a client receives it: the row, its entity and its actor (or None)."""

    row: ChangeRow
    entity: Any
    actor: Any


def _deliver(rows: list[ChangeRow], found: dict[tuple[str, str], Any]) -> list[Delivered]:
    return [
        Delivered(
            r,
            found.get(("e", f"{r.entity_type}:{r.entity_id}")),
            found.get(("a", r.actor_id)) if r.actor_id else None,
        )
        for r in rows
    ]


# --- Query.changes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    events: list[Delivered]
    has_next: bool
    has_previous: bool
    end_cursor: str | None


async def page(
    graph: Graph,
    reader: EntityReader,
    config: FeedConfig,
    *,
    after: str | None,
    first: int,
    filters: Filters,
) -> Page:
    """A page of the log in commit order. A filtered page looks through at most SCAN events;
    `end_cursor` then stands after the last one looked at, so the next page goes on from there
    even when this one holds no event."""
    if first < 0 or first > config.max_page_size:
        raise QueryArgumentError(
            f"`first` must be between 0 and {config.max_page_size}.",
            code="INVALID_ARGUMENT",
            argument="first",
        )
    epoch, seq = decode_cursor(after) if after is not None else (None, None)
    limit = first if filters.none else max(first, SCAN)
    window = await read_window(graph, seq, limit, config.retention_s)
    if window.pending and await _numbered(graph):
        window = await read_window(graph, seq, limit, config.retention_s)
    if epoch is not None:
        check_cursor(window, epoch, config.retention_s)
    matched: list[ChangeRow] = []
    last = window.start
    for row in window.rows:
        if len(matched) >= first:
            break
        last = row.seq
        if filters.match(row):
            matched.append(row)
    found = await reader.read(graph, matched) if matched else {}
    end_cursor = encode_cursor(window.epoch, last) if window.epoch and last > 0 else after
    return Page(
        events=_deliver(matched, found),
        has_next=last < window.head,
        has_previous=after is not None,
        end_cursor=end_cursor,
    )


async def _numbered(graph: Graph) -> bool:
    """Number what is pending, unless the database or the credentials are read-only: then the
    page is served from what is numbered already (docs/subscriptions.md, "Read-only")."""
    try:
        return await number_pending(graph, known=True) > 0
    except Exception as exc:
        if not write_refused(exc):
            raise
        log.info("changes: cannot number pending events (writes refused); serving the rest")
        return False


# --- Subscription.changes: one poller per process, bounded queues ---------------------------


class Dropped(Exception):
    """The subscriber fell too far behind and was dropped."""


@dataclass
class Batch:
    rows: list[ChangeRow]
    #: entity reads already made for this batch, shared by subscribers with one selection
    reads: dict[Any, asyncio.Task[dict[tuple[str, str], Any]]] = field(default_factory=dict)


class Subscriber:
    def __init__(
        self, max_pending: int, on_drop: Callable[[str], Coroutine[Any, Any, None]]
    ) -> None:
        self.max_pending = max_pending
        self.on_drop = on_drop
        self.queue: asyncio.Queue[Batch | None] = asyncio.Queue()
        self.pending = 0
        self.dropped: str | None = None

    def offer(self, batch: Batch) -> None:
        if self.dropped is not None:
            return
        # An idle subscriber takes any batch (a poll reads at most POLL_BATCH).
        if self.pending and self.pending + len(batch.rows) > self.max_pending:
            self.dropped = (
                f"Too slow: more than {self.max_pending} changes were waiting. Resume with "
                "`after:` the last cursor you received."
            )
            while not self.queue.empty():  # free what it will never read
                self.queue.get_nowait()
            self.queue.put_nowait(None)
            asyncio.get_running_loop().create_task(self.on_drop(self.dropped))
            return
        self.pending += len(batch.rows)
        self.queue.put_nowait(batch)

    async def next(self) -> Batch:
        batch = await self.queue.get()
        if batch is None:
            raise Dropped(self.dropped)
        self.pending -= len(batch.rows)
        return batch


class ChangeHub:
    """This process's one reader of the change log, for all its subscribers."""

    def __init__(self, graph: Graph, config: FeedConfig) -> None:
        self.graph, self.config = graph, config
        #: what the poller reads with while it runs: `graph.dedicated(FEED_POOL)`
        self.feed = graph
        self.subscribers: set[Subscriber] = set()
        self.head = 0
        self.epoch: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.polls = 0

    async def join(self, subscriber: Subscriber) -> int:
        """Register; returns the number after which live batches start for it."""
        async with self._lock:
            if self._task is None or self._task.done():
                # what committed before this subscriber came is numbered below its start
                await number_pending(self.graph)
                rows = await self.graph.read(cypher.HEAD)
                self.head, self.epoch = int(rows[0]["head"]), rows[0]["epoch"]
                self.feed = self.graph.dedicated(FEED_POOL)
                self._task = asyncio.get_running_loop().create_task(self._run(self.feed))
            self.subscribers.add(subscriber)
            return self.head

    def leave(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        if not self.subscribers and self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self, feed: Graph) -> None:
        try:
            await self._poll(feed)
        finally:
            if feed is not self.graph:
                await feed.close()

    async def _poll(self, feed: Graph) -> None:
        while True:
            full = False
            try:
                await number_pending(feed)
                window = await read_window(feed, self.head, POLL_BATCH, self.config.retention_s)
                self.polls += 1
                if window.epoch != self.epoch:
                    if self.epoch is not None or window.head < self.head:
                        self.head = 0  # a new log (an emptied or replaced database)
                        self.epoch = window.epoch
                        continue
                    self.epoch = window.epoch
                if window.rows and window.epoch is not None:
                    self.head = window.rows[-1].seq
                    batch = Batch(window.rows)
                    for subscriber in list(self.subscribers):
                        subscriber.offer(batch)
                full = len(window.rows) >= POLL_BATCH
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is away: keep the subscribers, try again
                log.warning("change feed: reading the log failed; retrying", exc_info=True)
                await asyncio.sleep(max(self.config.poll_interval_s, 1.0))
                continue
            if not full:
                await asyncio.sleep(self.config.poll_interval_s)


_HUBS: dict[int, ChangeHub] = {}


def hub_for(graph: Graph, config: FeedConfig) -> ChangeHub:
    hub = _HUBS.get(id(graph))
    if hub is None or hub.graph is not graph:
        hub = _HUBS[id(graph)] = ChangeHub(graph, config)
    return hub


async def _read_shared(
    graph: Graph, reader: EntityReader, batch: Batch, rows: list[ChangeRow]
) -> dict[tuple[str, str], Any]:
    if not reader.needed or not rows:
        return {}
    if reader.key is None:
        return await reader.read(graph, rows)
    key = (reader.key, tuple(r.seq for r in rows))
    task = batch.reads.get(key)
    if task is None:
        task = batch.reads[key] = asyncio.get_running_loop().create_task(reader.read(graph, rows))
    return await asyncio.shield(task)


@dataclass
class FeedListeners:
    """Who watches the subscriptions (the service's metrics register here: this layer cannot
    import them). `opened`/`closed` run once per subscriber, `delivered` with each batch size."""

    opened: list[Callable[[], None]] = field(default_factory=list)
    closed: list[Callable[[], None]] = field(default_factory=list)
    delivered: list[Callable[[int], None]] = field(default_factory=list)


FEED_LISTENERS = FeedListeners()


def _delivered(batch: list[Delivered], listeners: FeedListeners) -> list[Delivered]:
    for listener in listeners.delivered:
        listener(len(batch))
    return batch


async def stream(
    graph: Graph,
    reader: EntityReader,
    config: FeedConfig,
    *,
    after: str | None,
    filters: Filters,
    on_drop: Callable[[str], Coroutine[Any, Any, None]],
    listeners: FeedListeners | None = None,
) -> AsyncGenerator[list[Delivered], None]:
    """Batches of events for one subscriber: first a replay from `after` (if given) up to where
    the live feed starts, then live batches, each number once, in commit order. `listeners`
    (FEED_LISTENERS by default) hear of it; `opened` runs as soon as it is registered with the
    process's poller (every change committed from then on is in it)."""
    epoch, last = decode_cursor(after) if after is not None else (None, None)
    hub = hub_for(graph, config)
    subscriber = Subscriber(config.max_pending, on_drop)
    live_from = await hub.join(subscriber)
    listeners = FEED_LISTENERS if listeners is None else listeners
    for listener in listeners.opened:
        listener()
    try:
        if epoch is not None and last is not None:
            window = await read_window(graph, last, POLL_BATCH, config.retention_s)
            check_cursor(window, epoch, config.retention_s)
            while True:
                rows = [r for r in window.rows if r.seq <= live_from]
                if rows:
                    last = rows[-1].seq
                    mine = [r for r in rows if filters.match(r)]
                    if mine:
                        yield _delivered(_deliver(mine, await reader.read(graph, mine)), listeners)
                if last >= live_from:
                    break
                if not rows:  # a commit not visible yet: wait for it, as the poller does
                    await asyncio.sleep(config.poll_interval_s)
                window = await read_window(graph, last, POLL_BATCH, config.retention_s)
        else:
            last = live_from
        while True:
            batch = await subscriber.next()
            rows = [r for r in batch.rows if r.seq > last]
            if not rows:
                continue
            last = rows[-1].seq
            mine = [r for r in rows if filters.match(r)]
            if mine:
                found = await _read_shared(hub.feed, reader, batch, mine)
                yield _delivered(_deliver(mine, found), listeners)
    finally:
        hub.leave(subscriber)
        for listener in listeners.closed:
            listener()
