"""Filter inputs to Cypher predicates.

Property names come from the model (a key not in the model is impossible: GraphQL validation
rejects it, and we check again); every compared value becomes a parameter.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

from core import global_id
from core.model import ENTITIES, Entity, Kind, Prop
from core.money import to_storage
from graphdb.compiler.errors import QueryArgumentError
from graphdb.compiler.params import Params, Vars

_COMPARISONS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}

#: (entity, filter field) -> (pattern template from {n} to {m} (relationship {r}), target entity)
RELATION_PATTERNS: dict[tuple[str, str], tuple[str, str]] = {
    ("Customer", "company"): ("({n})-[:ACCOUNT_OF]->({m}:Company)", "Company"),
    ("Customer", "accountManager"): ("({n})<-[:MANAGES]-({m}:User)", "User"),
    ("Customer", "tags"): ("({n})-[:TAGGED]->({m}:Tag)", "Tag"),
    ("Customer", "boughtProduct"): (
        "({n})-[:PLACED]->(:Order)-[:CONTAINS]->({m}:Product)",
        "Product",
    ),
    ("Company", "tags"): ("({n})-[:TAGGED]->({m}:Tag)", "Tag"),
    ("Contact", "currentCompany"): (
        "({n})-[{r}:WORKS_AT]->({m}:Company) WHERE ({r}.endedOn IS NULL OR {r}.endedOn > date())",
        "Company",
    ),
    ("Contact", "tags"): ("({n})-[:TAGGED]->({m}:Tag)", "Tag"),
    ("Order", "customer"): ("({n})<-[:PLACED]-({m}:Customer)", "Customer"),
    ("Order", "containsProduct"): ("({n})-[:CONTAINS]->({m}:Product)", "Product"),
}


def _plain(value: Any, prop: Prop, path: str) -> Any:
    """A filter value as the database stores it."""
    if isinstance(value, Enum):
        value = value.value
    if prop.kind is Kind.MONEY and isinstance(value, Decimal):
        try:
            return to_storage(value)
        except ValueError as exc:
            raise QueryArgumentError(
                f"`{path}`: amounts have at most 4 decimal places.",
                code="INVALID_VALUE",
                argument=path,
            ) from exc
    if prop.kind is Kind.ID:
        return _raw_id(value, path)
    return value


def _raw_id(value: Any, path: str) -> str:
    try:
        return global_id.decode(str(value))[1]
    except global_id.InvalidGlobalId as exc:
        raise QueryArgumentError(
            f"`{path}` is not a valid id.", code="INVALID_ID", argument=path
        ) from exc


_PY_COMPARE = {
    "=": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def _defaulted(prop: Prop, var: str, op: str, placeholder: str, value: Any) -> str:
    """`coalesce(n.p, default) <op> v` written so that a range index on `p` applies: the
    missing-value case is decided here, from the value the client sent."""
    stored = f"{var}.{prop.name} {op} {placeholder}"
    if _PY_COMPARE[op](prop.default, value):
        return f"({stored} OR {var}.{prop.name} IS NULL)"
    return stored


def _prop_predicate(
    prop: Prop, var: str, ops: dict[str, Any], params: Params, path: str
) -> list[str]:
    expr = prop.cypher(var)
    parts: list[str] = []
    for op, raw in ops.items():
        if raw is None:
            continue
        where = f"{path}.{op}"
        if op in ("eq", "in") and prop.folded is not None:
            values = raw if op == "in" else [raw]
            folded = params.add([str(v) for v in values])
            parts.append(f"{var}.{prop.folded} IN [x IN {folded} | toLower(trim(x))]")
        elif op in _COMPARISONS and prop.default is not None:
            value = _plain(raw, prop, where)
            parts.append(_defaulted(prop, var, _COMPARISONS[op], params.add(value), value))
        elif op in _COMPARISONS:
            parts.append(f"{expr} {_COMPARISONS[op]} {params.add(_plain(raw, prop, where))}")
        elif op == "in" and prop.default is not None:
            values = [_plain(v, prop, where) for v in raw]
            stored = f"{var}.{prop.name} IN {params.add(values)}"
            parts.append(
                f"({stored} OR {var}.{prop.name} IS NULL)" if prop.default in values else stored
            )
        elif op == "in":
            values = [_plain(v, prop, where) for v in raw]
            parts.append(f"{expr} IN {params.add(values)}")
        elif op == "contains":
            parts.append(f"toLower({expr}) CONTAINS {params.add(str(raw).lower())}")
        elif op == "startsWith":
            parts.append(f"toLower({expr}) STARTS WITH {params.add(str(raw).lower())}")
        elif op == "isNull":
            parts.append(f"{expr} IS NULL" if raw else f"{expr} IS NOT NULL")
        else:  # pragma: no cover - the GraphQL schema has no other operators
            raise QueryArgumentError(
                f"Unknown operator `{op}`.", code="INVALID_FILTER", argument=where
            )
    return parts


#: Every and/or/not/relation and every operator counts (an `in` list is one operator).
MAX_FILTER_SIZE = 50
#: Nesting of filter objects (`and`/`or`/`not`/relations).
MAX_FILTER_DEPTH = 10


def check_size(flt: Any, path: str = "filter") -> None:
    """FILTER_TOO_COMPLEX for a filter over the limits (iterative: depth is what is bounded).

    Neo4j plans each filter shape afresh, and planning time grows fast with the number of
    predicates (50 `or` branches cost ~1.5 s of planning, 300 ~6 s, and planning cannot be
    interrupted by the transaction timeout), so the limit is on the shape, before compiling.
    """
    size = 0
    stack: list[tuple[Any, int]] = [(flt, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict):
            continue
        if depth > MAX_FILTER_DEPTH:
            raise _too_complex(path, f"nests filters more than {MAX_FILTER_DEPTH} levels deep")
        for key, value in item.items():
            if value is None:
                continue
            if key in ("and", "or") and isinstance(value, list):
                size += 1
                stack.extend((sub, depth + 1) for sub in value)
            elif isinstance(value, dict) and (
                key == "not"
                or any(isinstance(v, dict | list) and k not in ("in",) for k, v in value.items())
                or any(k in ("and", "or", "not") for k in value)
            ):
                size += 1
                stack.append((value, depth + 1))
            elif isinstance(value, dict):  # a property's operators (`in` is one parameter)
                size += sum(1 for v in value.values() if v is not None)
            else:
                size += 1
        if size > MAX_FILTER_SIZE:
            raise _too_complex(path, f"has more than {MAX_FILTER_SIZE} conditions")


def _too_complex(path: str, what: str) -> QueryArgumentError:
    return QueryArgumentError(
        f"`{path}` {what}; write a smaller filter (an `in` list instead of many `or` branches).",
        code="FILTER_TOO_COMPLEX",
        argument=path,
    )


def predicate(
    entity: Entity,
    var: str,
    flt: dict[str, Any] | None,
    params: Params,
    vars_: Vars,
    path: str = "filter",
) -> str | None:
    """A Cypher boolean expression for `flt` over `var`, or None when it keeps everything."""
    if not flt:
        return None
    if "." not in path:  # the top of a filter; nested calls have paths like filter.or
        check_size(flt, path)
    parts: list[str] = []
    for key, value in flt.items():
        if value is None:
            continue
        where = f"{path}.{key}"
        if key == "and":
            subs = [predicate(entity, var, f, params, vars_, where) for f in value]
            parts.extend(f"({s})" for s in subs if s)
        elif key == "or":
            subs = [predicate(entity, var, f, params, vars_, where) for f in value]
            if any(s is None for s in subs):
                continue  # one branch keeps everything
            if subs:
                parts.append("(" + " OR ".join(f"({s})" for s in subs) + ")")
            else:
                parts.append("false")
        elif key == "not":
            sub = predicate(entity, var, value, params, vars_, where)
            parts.append(f"NOT ({sub})" if sub else "false")
        elif (entity.name, key) in RELATION_PATTERNS:
            template, target_name = RELATION_PATTERNS[(entity.name, key)]
            target = ENTITIES[target_name]
            m = vars_.new("f")
            pattern = template.format(n=var, m=m, r=vars_.new("w"))
            sub = predicate(target, m, value, params, vars_, where)
            joiner = " AND " if " WHERE " in pattern else " WHERE "
            parts.append(f"EXISTS {{ MATCH {pattern}{joiner + sub if sub else ''} }}")
        elif key in entity.props and entity.props[key].filterable:
            parts.extend(_prop_predicate(entity.props[key], var, value, params, where))
        else:
            raise QueryArgumentError(
                f"`{where}` cannot be filtered on.", code="INVALID_FILTER", argument=where
            )
    return " AND ".join(parts) if parts else None
