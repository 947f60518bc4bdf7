"""Batched upserts: validated rows go to Neo4j as one UNWIND statement (or a few) per batch.

Each batch is one write transaction. Rows that a database check refuses (an order's customer
that does not exist, a referral that would close a cycle) are reported and left out; the rest of
the batch lands. Writes are idempotent: a record is compared with what is stored *before*
anything is SET, so re-importing a file bumps no version and touches no `updatedAt`.

Validation runs in a worker thread one batch ahead of the database, so Python checks batch k+1
(and builds its node-upsert parameters) while Neo4j writes batch k. Temporal values travel as
ISO strings and are parsed by Cypher (`date()`, `datetime()`): the driver's own conversion of
Python datetimes is slow.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import datetime as dt
import functools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from neo4j import AsyncManagedTransaction

from core.codes import WriteCode
from core.model import ENTITIES
from core.model import Kind as PropKind
from core.validation import Code, FieldError, Validator
from core.validation.numbers import INT64_MAX
from graphdb.batches import BatchWriter
from graphdb.driver import Graph, run_in
from graphdb.io import interactions as interaction_cypher
from graphdb.io import links as io_cypher
from graphdb.io import nodes as node_cypher
from graphdb.io import orders as import_orders
from graphdb.io import referrals as import_referrals
from graphdb.writes import customers as customer_cypher
from graphdb.writes import orders as order_cypher
from graphdb.writes import referrals as referral_cypher
from resolvers.io.links import check_links, company_problem, find_companies, write_links
from resolvers.io.mapping import ColumnMap
from resolvers.io.names import DEFAULT_BATCH_SIZE
from resolvers.io.readers import BadRow, RawRow
from resolvers.io.report import ImportResult, RowError
from resolvers.io.resume import Committed
from resolvers.io.rows import TYPES, Record, field_name
from resolvers.io.values import ValueReader, unambiguous_errors
from resolvers.writes import _audit
from resolvers.writes._tx import Checks
from resolvers.writes.customers import DEFAULTS as CUSTOMER_DEFAULTS
from resolvers.writes.orders import price_lines
from resolvers.writes.products import DEFAULTS as PRODUCT_DEFAULTS
from resolvers.writes.referrals import lock_trees, refresh_networks

Tx = AsyncManagedTransaction


@dataclass
class Item:
    """One validated unit of work: a row (or, for orders, the consecutive rows of one order)."""

    rows: list[int]
    record: Record
    columns: dict[str, str] = field(default_factory=dict)


@dataclass
class Prepared:
    """A validated batch and, for node types, its statement parameters (built off the loop)."""

    items: list[Item]
    node_groups: list[tuple[str, list[Any]]] | None = None


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: records whose graph links (company, manager, tags) changed
    linked: int = 0
    #: keys of records a database check refused (not written)
    refused: set[Any] = field(default_factory=set)
    #: contacts' managers that named no contact yet (tried again at the end of the file)
    pending: list[Any] = field(default_factory=list)
    #: keys of the records counted in `linked`
    linked_keys: set[Any] = field(default_factory=set)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# --- entities: customers, companies, contacts, products ---------------------------------------

_NODES: dict[str, tuple[str, str | None, Mapping[str, Any]]] = {
    "customers": ("Customer", "externalId", CUSTOMER_DEFAULTS),
    "companies": ("Company", None, {}),  # key: registrationNumber, else domain
    "contacts": ("Contact", "email", {}),
    "products": ("Product", "sku", PRODUCT_DEFAULTS),
}


_LABEL_TYPE = {label: type_name for type_name, (label, _, _) in _NODES.items()}

_NOTHING = _audit.Captured(None, None)


def audit_subject(type_name: str, record: Record) -> tuple[str, str, str] | None:
    """(type, key property, value) of the record an imported row is about, for its audit
    event: the node itself, a referral's referred customer, an employment's contact. None for
    an interaction without externalId (nothing names it before it is created)."""
    if type_name in _NODES:
        label, key_prop, _ = _NODES[type_name]
        return label, key_prop or str(record["keyProp"]), str(record["key"])
    if type_name == "orders":
        return "Order", "externalId", str(record["key"])
    if type_name == "interactions":
        key = record.get("key")
        return ("Interaction", "externalId", str(key)) if key else None
    if type_name == "referrals":
        return "Customer", "externalId", str(record["referred"])
    if type_name == "employments":
        return "Contact", "email", str(record["contact"])
    return None


@functools.cache
def _temporal(label: str) -> dict[str, str]:
    """Imported date/datetime properties of a label → the Cypher function that parses them."""
    columns = set(TYPES[_LABEL_TYPE[label]].columns)
    return {
        name: "date" if prop.kind is PropKind.DATE else "datetime"
        for name, prop in ENTITIES[label].props.items()
        if prop.kind in (PropKind.DATE, PropKind.DATETIME) and name in columns
    }


def _node_params(label: str, items: list[Item]) -> list[Any]:
    temporal = _temporal(label)
    if not temporal:
        return [{"key": item.record["key"], "props": item.record["props"]} for item in items]
    rows = []
    for item in items:
        props = item.record["props"]
        rows.append(
            {
                "key": item.record["key"],
                "props": {k: v for k, v in props.items() if k not in temporal},
                "temporal": {k: _iso(v) for k, v in props.items() if k in temporal},
            }
        )
    return rows


def _node_groups(type_name: str, items: list[Item]) -> list[tuple[str, list[Any]]]:
    """The statement parameters of a batch: its rows grouped by key property. Built in the
    validation thread, so the event loop only sends them."""
    label, key_prop, _ = _NODES[type_name]
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(key_prop or item.record["keyProp"], []).append(item)
    return [(prop, _node_params(label, group)) for prop, group in groups.items()]


async def _write_nodes(
    tx: Tx, type_name: str, groups: list[tuple[str, list[Any]]], now: str
) -> Outcome:
    label, _, defaults = _NODES[type_name]
    out = Outcome()
    for prop, params in groups:
        rows = await run_in(
            tx,
            node_cypher.upsert_statement(label, prop, tuple(_temporal(label).items())),
            {"rows": params, "defaults": dict(defaults), "now": now},
        )
        created, updated = int(rows[0]["created"]), int(rows[0]["updated"])
        out.created += created
        out.updated += updated
        out.unchanged += int(rows[0]["total"]) - created - updated
    return out


async def _aliases(tx: Tx, label: str, keys: list[Any]) -> dict[str, str]:
    """Merged-away key → the kept record's, for the keys of a batch that no `label` record
    has (a customer's externalId, a contact's e-mail; graphdb/io/nodes.py)."""
    params = [{"key": k, "query": node_cypher.alias_query(k)} for k in dict.fromkeys(keys)]
    rows = await run_in(tx, node_cypher.aliases_statement(label), {"keys": params})
    return {r["alias"]: r["kept"] for r in rows}


async def _follow_aliases(
    tx: Tx, label: str, batch: list[Item], groups: list[tuple[str, list[Any]]]
) -> None:
    """Rows that name a merged-away record by its old key update the kept record instead:
    their key (and the key property they set) become the kept record's."""
    key_prop = node_cypher.ALIASED[label][0]
    aliases = await _aliases(tx, label, [p["key"] for _, params in groups for p in params])
    if not aliases:
        return
    for item in batch:
        kept = aliases.get(item.record["key"])
        if kept is not None:
            item.record["key"] = kept
    for _, params in groups:
        for p in params:
            kept = aliases.get(p["key"])
            if kept is not None:
                p["key"] = kept
                p["props"] = {**p["props"], key_prop: kept}


async def _write_customers(
    tx: Tx, batch: list[Item], groups: list[tuple[str, list[Any]]], now: str
) -> Outcome:
    """Customers: their references checked first (a row naming a missing company or user is
    refused and not written), then the nodes, then their links (resolvers/io/links.py)."""
    await _follow_aliases(tx, "Customer", batch, groups)
    linking = [
        (item.rows, item.record["key"], item.record["links"])
        for item in batch
        if item.record.get("links") is not None
    ]
    checked = await check_links(tx, linking) if linking else None
    errors = checked.errors if checked is not None else {}
    if errors:
        groups = [(prop, [p for p in params if p["key"] not in errors]) for prop, params in groups]
    out = await _write_nodes(tx, "customers", [(p, ps) for p, ps in groups if ps], now)
    if checked is not None:
        out.linked = await write_links(
            tx,
            [(key, links) for _, key, links in linking if key not in errors],
            checked.company_ids,
            now,
        )
    out.errors.extend(e for found in errors.values() for e in found)
    out.refused = set(errors)
    return out


def _new_id() -> str:
    from core import global_id

    return global_id.new_raw_id()


# --- orders ------------------------------------------------------------------------------------


def _same_instant(stored: Any, moment: dt.datetime) -> bool:
    """A stored neo4j DateTime against a validated (UTC) datetime."""
    return stored is not None and _plain(stored) == moment


async def _write_orders(tx: Tx, items: list[Item], now: str) -> Outcome:
    out = Outcome()
    keys = [item.record["key"] for item in items]
    existing = {r["key"]: r for r in await run_in(tx, import_orders.EXISTING, {"keys": keys})}
    wanted = sorted({item.record["customer"] for item in items})
    customers = {
        r["key"]: r["id"]
        for r in await run_in(tx, import_orders.CUSTOMERS_BY_KEY, {"keys": wanted})
    }
    skus = sorted({ln.sku for item in items for ln in item.record["lines"] if ln.sku})
    by_sku = {r["sku"]: r for r in await run_in(tx, order_cypher.PRODUCTS_BY_SKU, {"skus": skus})}
    creates: list[dict[str, Any]] = []
    replaces: list[dict[str, Any]] = []
    touched: set[str] = set()
    for item in items:
        rec = item.record
        header = rec["header"]
        checks = Checks(tx)
        customer_id = customers.get(rec["customer"])
        if customer_id is None:
            checks.add(
                (str(item.rows[0]), "customerExternalId"),
                WriteCode.NOT_FOUND,
                f"No customer has externalId {rec['customer']!r}.",
            )
        priced, total, currency = price_lines(checks, rec["lines"], {}, by_sku, header["currency"])
        if total > INT64_MAX:
            checks.add(
                (str(item.rows[0]), "quantity"), Code.OUT_OF_RANGE, "The total is too large."
            )
        if checks.errors:
            out.errors.extend(_row_errors(checks.errors, item))
            continue
        props = {
            "externalId": rec["key"],
            "status": header["status"],
            "currency": currency,
            "total": total,
        }
        params = {
            "props": props,
            "placedAt": header["placedAt"].isoformat(),
            "customerId": customer_id,
            "lines": priced,
            "now": now,
        }
        stored = existing.get(rec["key"])
        if stored is None:
            creates.append({**params, "id": _new_id()})
            touched.add(str(customer_id))
            continue
        lines = sorted(
            [ln["position"], ln["productId"], ln["quantity"], ln["unitPrice"]] for ln in priced
        )
        if (
            stored["customerId"] == customer_id
            and _same_instant(stored["placedAt"], header["placedAt"])
            and stored["status"] == props["status"]
            and stored["currency"] == currency
            and sorted(stored["lines"]) == lines
        ):
            out.unchanged += 1
            continue
        replaces.append({**params, "id": stored["id"]})
        touched.update(str(c) for c in (customer_id, stored["customerId"]) if c)
    if creates:
        await run_in(tx, import_orders.CREATE, {"orders": creates})
    if replaces:
        await run_in(tx, import_orders.REPLACE, {"orders": replaces})
    if touched:
        await run_in(tx, customer_cypher.recount(), {"ids": sorted(touched)})
        await lock_trees(tx, sorted(touched))
        await refresh_networks(tx, sorted(touched))
    out.created, out.updated = len(creates), len(replaces)
    return out


def _row_errors(errors: Iterable[FieldError], item: Item) -> list[RowError]:
    """Errors whose path starts with the row number ("17", "sku") → RowErrors of that row."""
    out = []
    for e in errors:
        path = e.field
        row = item.rows[0]
        if path and path[0].isdigit():
            row, path = int(path[0]), path[1:]
        name = ".".join(path)
        out.append(RowError(row, name or None, e.code, e.message, item.columns.get(name, name)))
    return out


# --- interactions ------------------------------------------------------------------------------


async def _write_interactions(tx: Tx, items: list[Item], now: str) -> Outcome:
    out = Outcome()
    customers_wanted = sorted({k for it in items for k in it.record["customers"]})
    contacts_wanted = sorted({k for it in items for k in it.record["contacts"]})
    users_wanted = sorted({it.record["loggedBy"] for it in items if it.record["loggedBy"]})
    found = (
        await run_in(
            tx,
            interaction_cypher.PARTICIPANTS,
            {"customers": customers_wanted, "contacts": contacts_wanted, "users": users_wanted},
        )
    )[0]
    customers, contacts, users = (dict(found[k]) for k in ("customers", "contacts", "users"))
    keys = [it.record["key"] for it in items if it.record["key"]]
    existing = (
        {r["key"]: r for r in await run_in(tx, interaction_cypher.EXISTING, {"keys": keys})}
        if keys
        else {}
    )
    rows = []
    for item in items:
        rec, row = item.record, item.rows[0]
        errors = [
            RowError(
                row,
                "customerExternalIds",
                WriteCode.NOT_FOUND,
                f"No customer has externalId {k!r}.",
            )
            for k in rec["customers"]
            if k not in customers
        ] + [
            RowError(row, "contactEmails", WriteCode.NOT_FOUND, f"No contact has e-mail {k!r}.")
            for k in rec["contacts"]
            if k not in contacts
        ]
        if rec["loggedBy"] and rec["loggedBy"] not in users:
            errors.append(
                RowError(row, "loggedByEmail", WriteCode.NOT_FOUND, "No user has this e-mail.")
            )
        if errors:
            out.errors.extend(
                RowError(
                    e.row, e.field, e.code, e.message, item.columns.get(e.field or "", e.field)
                )
                for e in errors
            )
            continue
        props = {k: v for k, v in rec["props"].items() if k != "occurredAt"}
        params = {
            "props": props,
            "occurredAt": rec["props"]["occurredAt"].isoformat(),
            "customers": sorted({customers[k] for k in rec["customers"]}),
            "contacts": sorted({contacts[k] for k in rec["contacts"]}),
            "loggedBy": users.get(rec["loggedBy"]) if rec["loggedBy"] else None,
            "now": now,
            "existing": None,
            "id": _new_id(),
        }
        stored = existing.get(rec["key"]) if rec["key"] else None
        if stored is not None:
            same = (
                all(stored.get(k) == v for k, v in props.items() if k != "externalId")
                and _same_instant(stored["occurredAt"], rec["props"]["occurredAt"])
                and sorted(stored["participants"])
                == sorted(params["customers"] + params["contacts"])
                and stored["loggedBy"] == ([params["loggedBy"]] if params["loggedBy"] else [])
            )
            if same:
                out.unchanged += 1
                continue
            params["existing"] = stored["id"]
            out.updated += 1
        else:
            out.created += 1
        rows.append(params)
    if rows:
        await run_in(tx, interaction_cypher.WRITE, {"rows": rows})
    return out


# --- referrals ---------------------------------------------------------------------------------


async def _write_referrals(tx: Tx, items: list[Item], now: str) -> Outcome:
    out = Outcome()
    customers = [item.record["referred"] for item in items] + [
        item.record["referrer"] for item in items if item.record["referrerType"] == "Customer"
    ]
    await lock_trees(tx, customers, key="externalId")
    for item in items:
        rec, row = item.record, item.rows[0]
        field_ = "referrerExternalId" if rec["referrerType"] == "Customer" else "referrerEmail"
        found = (
            await run_in(
                tx,
                import_referrals.FIND_ENDS,
                {
                    "referrer": rec["referrer"],
                    "referrerType": rec["referrerType"],
                    "referred": rec["referred"],
                },
            )
        )[0]
        errors: list[tuple[str, str, str]] = []
        if found["referrerId"] is None:
            errors.append(
                (
                    field_,
                    WriteCode.NOT_FOUND,
                    f"No {rec['referrerType'].lower()} {rec['referrer']!r}.",
                )
            )
        if found["referredId"] is None:
            errors.append(
                (
                    "referredExternalId",
                    WriteCode.NOT_FOUND,
                    f"No customer has externalId {rec['referred']!r}.",
                )
            )
        props = {**rec["props"], "referredAt": rec["props"]["referredAt"].isoformat()}
        params = {
            "referrerId": found["referrerId"],
            "referredId": found["referredId"],
            "props": props,
        }
        if not errors and found["currentReferrer"] is not None:
            if found["currentReferrer"] != found["referrerId"]:
                errors.append(
                    (
                        "referredExternalId",
                        WriteCode.ALREADY_REFERRED,
                        "This customer was already referred by someone; the first referral counts.",
                    )
                )
            elif (
                _same_instant(found["referredAt"], rec["props"]["referredAt"])
                and found["channel"] == props["channel"]
                and found["note"] == props["note"]
            ):
                out.unchanged += 1
                continue
            else:
                await run_in(tx, import_referrals.UPDATE, params)
                out.updated += 1
                continue
        if not errors and rec["referrerType"] == "Customer":
            cycle = await run_in(tx, referral_cypher.REFERRAL_CYCLE, params)
            if cycle[0]["cycle"]:
                errors.append(
                    (
                        field_,
                        WriteCode.REFERRAL_CYCLE,
                        "The referred customer is already upstream of the referrer; referrals "
                        "cannot go round in a circle.",
                    )
                )
        if errors:
            out.errors.extend(RowError(row, f, c, m, item.columns.get(f, f)) for f, c, m in errors)
            continue
        await run_in(
            tx,
            import_referrals.create_referral(rec["referrerType"]),
            {**params, "now": now},
        )
        out.created += 1
    return out


# --- employments (also a contact row's job) --------------------------------------------------

_DATES = ("startedOn", "endedOn")


def _plain(value: Any) -> Any:
    to_native = getattr(value, "to_native", None)
    return to_native() if to_native is not None else value


@dataclass
class Job:
    """One WORKS_AT to write: the contact (by e-mail or externalId), the company's id, props."""

    row: int
    columns: dict[str, str]
    contact_by: str
    contact: str
    contact_field: str
    company_id: str
    props: dict[str, Any]


async def _write_jobs(tx: Tx, jobs: list[Job], now: str, out: Outcome) -> list[Job]:
    """Create or update each job (as setEmployment: cells left empty stay as stored); counts
    into `out` as created / updated / unchanged, and returns the jobs written."""
    if not jobs:
        return []
    lookups = [
        {"i": i, "contactBy": j.contact_by, "contact": j.contact, "companyId": j.company_id}
        for i, j in enumerate(jobs)
    ]
    found = {r["i"]: r for r in await run_in(tx, io_cypher.FIND_JOBS, {"rows": lookups})}
    writes, written = [], []
    for i, job in enumerate(jobs):
        hit = found[i]
        errors: list[tuple[str, str, str]] = []
        if hit["contactId"] is None:
            what = "e-mail" if job.contact_by == "email" else "externalId"
            errors.append(
                (
                    job.contact_field,
                    WriteCode.NOT_FOUND,
                    f"No contact has the {what} {job.contact!r}.",
                )
            )
        props = job.props
        stored = {k: _plain(v) for k, v in (hit["props"] or {}).items()}
        started = props["startedOn"] if "startedOn" in props else stored.get("startedOn")
        ended = props["endedOn"] if "endedOn" in props else stored.get("endedOn")
        if started is not None and ended is not None and ended < started:
            errors.append(
                ("endedOn", "ENDED_BEFORE_STARTED", "A job cannot end before it started.")
            )
        if errors:
            out.errors.extend(
                RowError(job.row, f, c, m, job.columns.get(f, f)) for f, c, m in errors
            )
            continue
        if hit["exists"] and all(stored.get(k) == v for k, v in props.items()):
            out.unchanged += 1
            continue
        out.updated += 1 if hit["exists"] else 0
        out.created += 0 if hit["exists"] else 1
        written.append(job)
        writes.append(
            {
                "contactId": hit["contactId"],
                "companyId": job.company_id,
                "props": {k: v for k, v in props.items() if k not in _DATES},
                "hasStarted": "startedOn" in props,
                "startedOn": _iso(props.get("startedOn")),
                "hasEnded": "endedOn" in props,
                "endedOn": _iso(props.get("endedOn")),
                "now": now,
            }
        )
    if writes:
        await run_in(tx, io_cypher.SET_JOBS, {"rows": writes})
    return written


async def _company_ids(tx: Tx, items: list[Item], get: Any, out: Outcome) -> dict[int, str]:
    """The company id of each item (by position) whose reference resolves to one company; the
    others get a row error in `out`."""
    refs = [(i, get(it)) for i, it in enumerate(items) if get(it) is not None]
    found = await find_companies(tx, [r for _, r in refs])
    ids: dict[int, str] = {}
    for (i, ref), companies in zip(refs, found, strict=True):
        problem = company_problem(ref, companies)
        if problem is None:
            ids[i] = companies[0]
            continue
        column, code, message = problem
        item = items[i]
        out.errors.append(
            RowError(item.rows[0], column, code, message, item.columns.get(column, column))
        )
    return ids


async def _write_employments(tx: Tx, items: list[Item], now: str) -> Outcome:
    out = Outcome()
    company_ids = await _company_ids(tx, items, lambda it: it.record["companyRef"], out)
    jobs = [
        Job(
            item.rows[0],
            item.columns,
            item.record["contactBy"],
            item.record["contact"],
            "contactEmail" if item.record["contactBy"] == "email" else "contactExternalId",
            company_ids[i],
            item.record["props"],
        )
        for i, item in enumerate(items)
        if i in company_ids
    ]
    await _write_jobs(tx, jobs, now, out)
    return out


# --- contacts: the node, then its job and its manager -----------------------------------------


@dataclass
class PendingManager:
    """A contact's reports-to that named nobody yet: tried again once the file is read."""

    row: int
    column: str
    file_column: str
    contact: str
    by: str
    value: str


async def _write_contacts(
    tx: Tx, batch: list[Item], groups: list[tuple[str, list[Any]]], now: str
) -> tuple[Outcome, list[PendingManager]]:
    """Contacts: their companies resolved first (a row naming a missing company is refused and
    not written), then the nodes, then their jobs, then their managers, which may be any
    contact of the batch or of the database; the ones not found yet are returned, to be tried
    once every row of the file is written."""
    await _follow_aliases(tx, "Contact", batch, groups)
    probe = Outcome()
    company_ids = await _company_ids(tx, batch, lambda it: it.record.get("company"), probe)
    refused = {
        batch[i].record["key"]
        for i, it in enumerate(batch)
        if it.record.get("company") is not None and i not in company_ids
    }
    if refused:
        groups = [(p, [x for x in ps if x["key"] not in refused]) for p, ps in groups]
    out = await _write_nodes(tx, "contacts", [(p, ps) for p, ps in groups if ps], now)
    out.errors.extend(probe.errors)
    out.refused = refused
    jobs = [
        Job(
            item.rows[0],
            item.columns,
            "email",
            item.record["key"],
            "email",
            company_ids[i],
            item.record["job"],
        )
        for i, item in enumerate(batch)
        if i in company_ids
    ]
    jobs_out = Outcome()
    written = await _write_jobs(tx, jobs, now, jobs_out)
    out.errors.extend(jobs_out.errors)
    linked = {job.contact for job in written}
    wanted = [
        PendingManager(
            item.rows[0],
            column := (
                "reportsToEmail" if item.record["manager"][0] == "email" else "reportsToExternalId"
            ),
            item.columns.get(column, column),
            item.record["key"],
            *item.record["manager"],
        )
        for item in batch
        if item.record.get("manager") is not None and item.record["key"] not in refused
    ]
    pending, set_for = await set_managers(tx, wanted, out)
    out.linked_keys = linked | set_for
    out.linked = len(out.linked_keys)
    return out, pending


async def set_managers(
    tx: Tx, wanted: list[PendingManager], out: Outcome, *, last: bool = False
) -> tuple[list[PendingManager], set[str]]:
    """Make each contact report to the contact it names, in file order (each link sees the ones
    before it, so a loop inside the file is REPORTING_CYCLE). References that name no contact
    are returned (or, `last`, reported NOT_FOUND); also the contacts whose manager changed."""
    if not wanted:
        return [], set()
    refs = [{"by": w.by, "value": w.value} for w in wanted]
    rows = await run_in(tx, io_cypher.FIND_CONTACTS, {"refs": refs})
    ids = {(r["by"], r["value"]): r["id"] for r in rows}
    pending: list[PendingManager] = []
    changed: set[str] = set()
    for w in wanted:
        manager_id = ids.get((w.by, w.value))
        if manager_id is None:
            if last:
                what = "e-mail" if w.by == "email" else "externalId"
                out.errors.append(
                    RowError(
                        w.row,
                        w.column,
                        WriteCode.NOT_FOUND,
                        f"No contact has the {what} {w.value!r}, in the file or the database.",
                        w.file_column,
                    )
                )
            else:
                pending.append(w)
            continue
        status = (
            await run_in(tx, io_cypher.SET_MANAGER, {"email": w.contact, "managerId": manager_id})
        )[0]["status"]
        if status == "set":
            changed.add(w.contact)
        elif status == "self":
            out.errors.append(
                RowError(
                    w.row,
                    w.column,
                    WriteCode.SELF_REPORTING,
                    "Nobody can be their own manager.",
                    w.file_column,
                )
            )
        elif status == "cycle":
            out.errors.append(
                RowError(
                    w.row,
                    w.column,
                    WriteCode.REPORTING_CYCLE,
                    f"{w.value!r} already reports to this contact, directly or through others; "
                    "the org chart cannot go round in a circle.",
                    w.file_column,
                )
            )
    return pending, changed


# --- the importer ------------------------------------------------------------------------------


class Importer:
    """Validate and load one stream of rows of one type."""

    def __init__(
        self,
        graph: Graph | None,
        type_name: str,
        *,
        renames: Mapping[str, str] | None = None,
        prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        dry_run: bool = False,
        batch_size: int = DEFAULT_BATCH_SIZE,
        default_phone_region: str = "SK",
        audit: _audit.Actor | None = None,
        locale: str | None = None,
        excel_serials: bool = False,
        tx_timeout_s: float | None = None,
        patient: bool = False,
        on_committed: Callable[[Committed], None] | None = None,
        resume: Committed | None = None,
    ) -> None:
        """`tx_timeout_s`: the timeout of each transaction (default: the graph's); a batch
        that outlasts it is split (graphdb/batches.py). `patient`: wait for an unavailable
        database with backoff (long work: `rapport import`) instead of failing at once.
        `on_committed`: called after each committed batch with how far the import has got
        (resolvers/io/resume.py); `resume`: such a state to go on from (its rows are skipped,
        its counts, errors and waiting managers taken over)."""
        if type_name not in TYPES:
            raise ValueError(f"unknown import type {type_name!r}; use one of {', '.join(TYPES)}")
        self.graph = graph
        self.type = TYPES[type_name]
        self.columns = ColumnMap(self.type.columns, renames or {})
        #: another tool's rewrites of a file row (a preset's joins, values and defaults)
        self.prepare = prepare
        self.dry_run = dry_run or graph is None
        self.batch_size = max(1, batch_size)
        self.writer = BatchWriter(
            self.batch_size,
            tx_timeout_s or (graph.tx_timeout_s if graph is not None else 30.0),
            f"import {type_name}",
            attempts=6 if patient else 1,
        )
        self.region = default_phone_region
        #: who the audit events of the import are attributed to; None: not audited (the CLI)
        self.audit = audit
        #: locale-formatted dates, numbers and country names → canonical (resolvers/io/values.py)
        self.values = ValueReader(locale, excel_serials=excel_serials)
        self.result = ImportResult(type=type_name, dry_run=self.dry_run)
        self._column_cache: dict[tuple[tuple[str, ...], int], dict[str, str]] = {}
        self._pending: list[PendingManager] = []
        self._linked_keys: set[Any] = set()
        self.on_committed = on_committed
        #: the number of the last row read (the progress bar's position in the file)
        self.position = 0
        #: (row number, rows read up to it) of the rows read but not yet committed
        self._marks: collections.deque[tuple[int, int]] = collections.deque()
        self._committed_rows = 0
        self._start_after = 0
        if resume is not None:
            from resolvers.io.resume import restore

            restore(self.result, resume)
            self._pending = [PendingManager(**p) for p in resume.pending]
            self._start_after = self.position = resume.after_row
            self._committed_rows = resume.rows

    # validation (runs in a worker thread) -------------------------------------------------------

    def _validate(self, number: int, raw: RawRow | BadRow) -> Item | None:
        self.result.rows += 1
        self.position = number
        if self.on_committed is not None:
            self._marks.append((number, self.result.rows))
        if isinstance(raw, BadRow):
            self.result.errors.append(RowError(number, None, Code.INVALID_VALUE, raw.message))
            return None
        v = Validator((), self.region)
        if self.prepare is not None:
            raw = self.prepare(raw)
        row = self.values.read(v, self.columns.apply(raw))
        record = self.type.validate(v, row)
        if record is None or not v.ok:
            for e in unambiguous_errors(v.errors):
                name = field_name(e)
                self.result.errors.append(
                    RowError(number, name, e.code, e.message, self.columns.column_of(name))
                )
            return None
        return Item([number], record, self._columns_of(row))

    def _columns_of(self, row: dict[str, Any]) -> dict[str, str]:
        """Field → the file's column, for the fields of `row`; shared (read-only) by the rows
        with the same cells, as long as no new header has been seen."""
        key = (tuple(row), len(self.columns.fields))
        found = self._column_cache.get(key)
        if found is None:
            if len(self._column_cache) > 256:
                self._column_cache.clear()
            found = self._column_cache[key] = {c: self.columns.column_of(c) for c in row}
        return found

    def _items(self, rows: Iterable[tuple[int, RawRow | BadRow]]) -> Iterator[Item]:
        if self.type.name != "orders":
            for number, raw in rows:
                item = self._validate(number, raw)
                if item is not None:
                    yield item
            return
        yield from self._orders(rows)

    def _orders(self, rows: Iterable[tuple[int, RawRow | BadRow]]) -> Iterator[Item]:
        """Consecutive line rows with one externalId become one order; a bad line sinks it."""
        current: list[tuple[int, Item | None]] = []
        key: object = None

        def finish() -> Item | None:
            good = [it for _, it in current if it is not None]
            bad = [n for n, it in current if it is None]
            if not current:
                return None
            if bad:
                for number, it in current:
                    if it is not None:
                        self.result.errors.append(
                            RowError(
                                number,
                                "externalId",
                                Code.INVALID_VALUE,
                                f"Another line of this order (row {bad[0]}) is invalid, "
                                "so the order was not imported.",
                                it.columns.get("externalId"),
                            )
                        )
                return None
            first = good[0]
            for it in good[1:]:
                for name in ("customer", "header"):
                    if it.record[name] != first.record[name]:
                        self.result.errors.extend(
                            RowError(
                                n,
                                "customerExternalId" if name == "customer" else "placedAt",
                                Code.INVALID_VALUE,
                                "Every line of one order must name the same customer, placedAt, "
                                f"status and currency as its first line (row {first.rows[0]}).",
                            )
                            for n in it.rows
                        )
                        return None
            lines = []
            for it in good:
                line = it.record["line"]
                line.field = (str(it.rows[0]),)
                lines.append(line)
            record = {**first.record, "lines": lines}
            return Item([n for it in good for n in it.rows], record, first.columns)

        for number, raw in rows:
            item = self._validate(number, raw)
            row_key = (
                item.record["key"]
                if item is not None
                else (self.columns.apply(raw).get("externalId") if isinstance(raw, dict) else None)
            )
            if current and (row_key != key or row_key is None):
                done = finish()
                current = []
                if done is not None:
                    yield done
            key = row_key
            current.append((number, item))
        done = finish()
        if done is not None:
            yield done

    def _batches(self, rows: Iterable[tuple[int, RawRow | BadRow]]) -> Iterator[list[Item]]:
        """Batches of at most batch_size rows, cut early so no batch holds one key twice
        (each batch is one statement, which must see its own earlier rows' writes)."""
        batch: list[Item] = []
        seen: set[Any] = set()
        size = 0
        for item in self._items(rows):
            key = _batch_key(self.type.name, item.record)
            if (key is not None and key in seen) or size >= self.batch_size:
                yield batch
                batch, seen, size = [], set(), 0
            batch.append(item)
            size += len(item.rows)
            if key is not None:
                seen.add(key)
        if batch:
            yield batch

    # loading ------------------------------------------------------------------------------------

    def _next(self, batches: Iterator[list[Item]]) -> Prepared | None:
        """The next batch (validated), with the parameters of a node upsert built here, in the
        worker thread; None at the end."""
        batch = next(batches, None)
        if batch is None:
            return None
        if self.dry_run or self.type.name not in _NODES:
            return Prepared(batch)
        return Prepared(batch, _node_groups(self.type.name, batch))

    async def _write(self, prepared: Prepared) -> None:
        batch, groups = prepared.items, prepared.node_groups
        self.result.valid += sum(len(it.rows) for it in batch)
        if self.dry_run or self.graph is None:
            return

        async def write_slice(items: Sequence[Item], timeout_s: float) -> int:
            part = list(items)
            part_groups = groups
            if groups is not None and len(part) != len(batch):
                part_groups = _node_groups(self.type.name, part)
            await self._write_items(part, part_groups, timeout_s)
            return len(part)

        await self.writer.write(batch, write_slice)
        if self.on_committed is not None:
            self.on_committed(self._committed(max(n for it in batch for n in it.rows)))

    def _committed(self, after_row: int) -> Committed:
        """How far the import has got once the batch ending at row `after_row` is committed
        (validation has read further by then: the rows after it are not counted)."""
        while self._marks and self._marks[0][0] <= after_row:
            self._committed_rows = self._marks.popleft()[1]
        r = self.result
        return Committed(
            after_row=after_row,
            rows=self._committed_rows,
            **r.tally(),
            errors=[e for e in r.errors if e.row <= after_row],
            pending=[dataclasses.asdict(p) for p in self._pending],
        )

    async def _write_items(
        self, batch: list[Item], groups: list[tuple[str, list[Any]]] | None, timeout_s: float
    ) -> None:
        """One transaction for `batch` (all of it or nothing: a time-out writes nothing)."""
        assert self.graph is not None
        at = dt.datetime.now(dt.UTC)
        now = at.isoformat()
        name = self.type.name
        actor = self.audit

        async def write(tx: Tx) -> Outcome:
            if groups is not None and name == "customers":
                return await _write_customers(tx, batch, groups, now)
            if groups is not None and name == "contacts":
                written, pending = await _write_contacts(tx, batch, groups, now)
                written.pending = pending
                return written
            if groups is not None:
                return await _write_nodes(tx, name, groups, now)
            return await _WRITERS[name](tx, batch, now)

        async def work(tx: Tx) -> Outcome:
            if actor is None:
                return await write(tx)
            # Audited like the mutations: lock and read each record the batch touches, write,
            # read again, and store one event per record that changed, in this transaction.
            subjects: dict[tuple[str, str], list[str]] = {}
            for item in batch:
                subject = audit_subject(name, item.record)
                if subject is not None:
                    subjects.setdefault(subject[:2], []).append(subject[2])
            befores = {
                group: await _audit.capture_all(tx, *group, values, lock=True)
                for group, values in subjects.items()
            }
            outcome = await write(tx)
            for (type_name, key), values in subjects.items():
                afters = await _audit.capture_all(tx, type_name, key, values)
                pairs = [
                    (befores[(type_name, key)].get(v, _NOTHING), afters[v])
                    for v in dict.fromkeys(values)
                    if v in afters
                ]
                await _audit.record_all(tx, actor, at, type_name, pairs)
            return outcome

        outcome = await self.graph.write_tx(work, timeout_s=timeout_s)
        self.result.created += outcome.created
        self.result.updated += outcome.updated
        self.result.unchanged += outcome.unchanged
        self.result.linked += outcome.linked
        self.result.valid -= sum(
            len(it.rows) for it in batch if it.record.get("key") in outcome.refused
        )
        self.result.errors.extend(outcome.errors)
        self._pending.extend(outcome.pending)
        self._linked_keys.update(outcome.linked_keys)

    async def _finish_managers(self) -> None:
        """The contacts' managers that named no contact when their batch was written: every
        row is written now, so one that still names nobody is NOT_FOUND."""
        if not self._pending or self.graph is None:
            return
        pending, self._pending = self._pending, []
        out = Outcome()

        async def work(tx: Tx) -> set[str]:
            _, changed = await set_managers(tx, pending, out, last=True)
            return changed

        changed = await self.graph.write_tx(work)
        self.result.linked += len(changed - self._linked_keys)
        self.result.errors.extend(out.errors)

    async def run(
        self,
        rows: Iterable[tuple[int, RawRow | BadRow]],
        on_progress: Any = None,
    ) -> ImportResult:
        """Validate and load every row; `on_progress(rows_done)` after each batch."""
        started = time.perf_counter()
        if self._start_after:
            after = self._start_after
            rows = ((n, raw) for n, raw in rows if n > after)
        batches = self._batches(rows)
        pending: asyncio.Task[None] | None = None
        try:
            while True:
                try:
                    batch = await asyncio.to_thread(self._next, batches)
                except Exception:
                    # The rows stopped coming (a read error): the batch being written is
                    # valid and whole, so it is committed (and checkpointed) first.
                    if pending is not None:
                        await pending
                    raise
                if pending is not None:
                    await pending
                    pending = None
                if on_progress is not None:
                    on_progress(self.result.rows)
                if batch is None:
                    break
                pending = asyncio.ensure_future(self._write(batch))
            if pending is not None:
                await pending
            await self._finish_managers()
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
        self.result.seconds = time.perf_counter() - started
        self.result.ignored_columns = list(self.columns.ignored)
        return self.result


def _batch_key(type_name: str, record: Record) -> Any:
    if type_name == "companies":
        return (record["keyProp"], record["key"])
    if type_name == "referrals":
        return None  # written one by one, in order
    if type_name == "employments":
        return (record["contact"], record["companyKeyProp"], record["company"])
    return record.get("key")


_WRITERS = {
    "orders": _write_orders,
    "interactions": _write_interactions,
    "referrals": _write_referrals,
    "employments": _write_employments,
}

__all__ = ["DEFAULT_BATCH_SIZE", "Importer"]
