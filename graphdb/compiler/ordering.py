"""Sort keys and keyset predicates.

Sorting is total: the id is always the last key. A page after a cursor is selected with a
keyset predicate, never SKIP, so page 1000 costs what page 1 costs. The predicate leads with a
plain range comparison on the first key (`k >= $v`), which lets Neo4j seek a range index and
read it in order; the tie-break sits inside a CASE so the planner cannot split it into a UNION.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.model import Entity, Kind, Prop
from graphdb.compiler import temporal
from graphdb.compiler.params import Params

#: Default orderings: (property, descending).
DEFAULT_ORDER: dict[str, list[tuple[str, bool]]] = {
    "Customer": [("name", False)],
    "Company": [("name", False)],
    "Contact": [("lastName", False), ("firstName", False)],
    "Product": [("sku", False)],
    "Order": [("placedAt", True)],
    "Interaction": [("occurredAt", True)],
    "User": [("name", False)],
    "Tag": [("name", False)],
    "Consent": [("recordedAt", True)],
    "Segment": [("name", False)],
    "AuditEvent": [("at", True)],
}

#: Properties that are never null once written (so the range-seek form is exact).
NEVER_NULL = {
    "id",
    "createdAt",
    "updatedAt",
    "version",
    "name",
    "externalId",
    "sku",
    "kind",
    "lifecycleStage",
    "orderCount",
    "totalSpent",
    "placedAt",
    "status",
    "total",
    "occurredAt",
    "firstName",
    "lastName",
    "fullName",
    "role",
    "recordedAt",
    "price",
    "at",
}


@dataclass(frozen=True)
class SortKey:
    prop: Prop
    descending: bool

    @property
    def nullable(self) -> bool:
        return self.prop.name not in NEVER_NULL

    def expr(self, var: str) -> str:
        return f"{var}.{self.prop.name}"

    def value(self, var: str) -> str:
        """The key's value as a row returns it for its cursor (a DateTime in the wire form)."""
        expr = self.expr(var)
        return temporal.wire(expr) if self.prop.kind is Kind.DATETIME else expr


def sort_keys(entity: Entity, order_by: list[dict[str, Any]] | None) -> list[SortKey]:
    keys: list[SortKey] = []
    if order_by:
        for item in order_by:
            name = getattr(item["field"], "value", item["field"])
            descending = getattr(item.get("direction"), "value", item.get("direction")) == "DESC"
            prop = entity.props[name]  # the enum only offers sortable model properties
            if prop.name == "id":
                # The id is unique: it ends the ordering, in the direction asked for.
                keys.append(SortKey(prop, descending))
                return keys
            if all(k.prop.name != name for k in keys):
                keys.append(SortKey(prop, descending))
    else:
        keys = [SortKey(entity.props[n], d) for n, d in DEFAULT_ORDER[entity.name]]
    id_desc = keys[0].descending if keys else False
    keys.append(SortKey(entity.props["id"], id_desc))
    return keys


def reversed_keys(keys: list[SortKey]) -> list[SortKey]:
    return [SortKey(k.prop, not k.descending) for k in keys]


def order_clause(keys: list[SortKey], var: str) -> str:
    return ", ".join(f"{k.expr(var)} {'DESC' if k.descending else 'ASC'}" for k in keys)


def keyset_predicate(keys: list[SortKey], values: list[Any], var: str, params: Params) -> str:
    """Rows strictly after `values` in the order `keys` (Neo4j: nulls last ASC, first DESC)."""
    return _after(keys, values, 0, var, params)


def _after(keys: list[SortKey], values: list[Any], i: int, var: str, params: Params) -> str:
    key, value = keys[i], values[i]
    expr = key.expr(var)
    strict, loose = ("<", "<=") if key.descending else (">", ">=")
    if i == len(keys) - 1:
        return f"{expr} {strict} {params.add(value)}"
    rest = _after(keys, values, i + 1, var, params)
    if value is None:
        if key.descending:  # nulls came first; everything non-null follows
            return f"({expr} IS NOT NULL OR ({expr} IS NULL AND {rest}))"
        return f"({expr} IS NULL AND {rest})"
    p = params.add(value)
    if not key.nullable:
        return f"{expr} {loose} {p} AND (CASE WHEN {expr} = {p} THEN {rest} ELSE true END)"
    if key.descending:
        return f"({expr} {strict} {p} OR ({expr} = {p} AND {rest}))"
    return f"({expr} IS NULL OR {expr} {strict} {p} OR ({expr} = {p} AND {rest}))"
