"""Filter and sort inputs, generated from the graph model so they can never drift from it.

Each entity gets `<Entity>Filter` (per-field operators plus `and`/`or`/`not` and, where the
graph allows, filters across relationships) and `<Entity>Order` (`field` + `direction`). Only
fields the model marks filterable or sortable appear, so clients cannot ask for anything the
compiler would have to refuse.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from decimal import Decimal as PyDecimal
from enum import Enum
from typing import Any, Optional

import strawberry

from graphdb.model import ENTITIES, Entity, Kind, Prop
from schema.scalars import Date, DateTime, Decimal
from schema.types.base import SortDirection

_MODULE = sys.modules[__name__]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _upper_snake(name: str) -> str:
    return _snake(name).upper()


def _optional_field(description: str, name: str | None = None) -> Any:
    return strawberry.field(default=None, description=description, name=name)


def _scalar_filter(type_name: str, value_type: Any, operators: tuple[str, ...], what: str) -> Any:
    docs = {
        "eq": f"Equal to this {what}.",
        "in": f"Equal to any of these {what}s.",
        "contains": "Contains this text (case-insensitive).",
        "startsWith": "Starts with this text (case-insensitive).",
        "gt": "Greater than (after, for dates).",
        "gte": "Greater than or equal.",
        "lt": "Less than (before, for dates).",
        "lte": "Less than or equal.",
        "isNull": "true: only where the field is empty; false: only where it is set.",
    }
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for op in operators:
        attr = {"in": "in_", "isNull": "is_null", "startsWith": "starts_with"}.get(op, op)
        if op == "in":
            annotations[attr] = Optional[list[value_type]]  # noqa: UP045 - runtime annotation
        elif op == "isNull":
            annotations[attr] = Optional[bool]  # noqa: UP045
        else:
            annotations[attr] = Optional[value_type]  # noqa: UP045
        namespace[attr] = _optional_field(docs[op], name=op)
    namespace["__annotations__"] = annotations
    namespace["__module__"] = __name__
    cls = type(type_name, (), namespace)
    return strawberry.input(cls, description=f"Conditions on a {what} field; all given must hold.")


_ORDERED = ("eq", "in", "gt", "gte", "lt", "lte", "isNull")
StringFilter = _scalar_filter(
    "StringFilter",
    str,
    ("eq", "in", "contains", "startsWith", "gt", "gte", "lt", "lte", "isNull"),
    "text",
)
IntFilter = _scalar_filter("IntFilter", int, _ORDERED, "whole number")
FloatFilter = _scalar_filter("FloatFilter", float, _ORDERED, "number")
DecimalFilter = _scalar_filter("DecimalFilter", Decimal, _ORDERED, "amount")
DateTimeFilter = _scalar_filter(
    "DateTimeFilter", DateTime, ("eq", "gt", "gte", "lt", "lte", "isNull"), "date-time"
)
DateFilter = _scalar_filter("DateFilter", Date, ("eq", "gt", "gte", "lt", "lte", "isNull"), "date")
BooleanFilter = _scalar_filter("BooleanFilter", bool, ("eq", "isNull"), "yes/no")
IDFilter = _scalar_filter("IDFilter", strawberry.ID, ("eq", "in"), "id")

_KIND_FILTERS: dict[Kind, Any] = {
    Kind.STRING: StringFilter,
    Kind.INT: IntFilter,
    Kind.FLOAT: FloatFilter,
    Kind.MONEY: DecimalFilter,
    Kind.DATETIME: DateTimeFilter,
    Kind.DATE: DateFilter,
    Kind.BOOL: BooleanFilter,
    Kind.ID: IDFilter,
}

#: GraphQL enums for the model's enumerations, shared by types, filters and inputs.
ENUMS: dict[str, type[Enum]] = {}


def model_enum(type_name: str, values: tuple[str, ...], description: str) -> type[Enum]:
    if type_name not in ENUMS:
        py_enum = Enum(type_name, {v: v for v in values})  # type: ignore[misc]
        ENUMS[type_name] = strawberry.enum(py_enum, description=description)
        setattr(_MODULE, type_name, ENUMS[type_name])
    return ENUMS[type_name]


_ENUM_NAMES = {
    ("Customer", "kind"): ("CustomerKind", "Person (INDIVIDUAL) or company account (BUSINESS)."),
    ("Customer", "lifecycleStage"): ("LifecycleStage", "Where a customer is in the sales funnel."),
    ("Order", "status"): ("OrderStatus", "Fulfilment state of an order."),
    ("Interaction", "kind"): ("InteractionKind", "How the touchpoint happened."),
    ("User", "role"): ("UserRole", "What a Rapport user may see and do."),
    ("Consent", "channel"): ("ConsentChannel", "Channel a consent applies to."),
}


def enum_for(entity: str, prop: Prop) -> type[Enum]:
    type_name, description = _ENUM_NAMES.get(
        (entity, prop.name), (f"{entity}{prop.name[0].upper()}{prop.name[1:]}", prop.name)
    )
    return model_enum(type_name, prop.enum_values, description)


def _enum_filter(enum_type: type[Enum]) -> Any:
    return _scalar_filter(f"{enum_type.__name__}Filter", enum_type, ("eq", "in", "isNull"), "value")


#: Filters across relationships: (entity, field) -> (target entity, description).
RELATION_FILTERS: dict[tuple[str, str], tuple[str, str]] = {
    ("Customer", "company"): ("Company", "The customer's company matches."),
    ("Customer", "accountManager"): ("User", "The account manager matches."),
    ("Customer", "tags"): ("Tag", "At least one of the customer's tags matches."),
    ("Customer", "boughtProduct"): (
        "Product",
        "The customer ordered at least one matching product.",
    ),
    ("Company", "tags"): ("Tag", "At least one tag matches."),
    ("Contact", "currentCompany"): (
        "Company",
        "The contact currently works at a matching company.",
    ),
    ("Contact", "tags"): ("Tag", "At least one tag matches."),
    ("Order", "customer"): ("Customer", "The ordering customer matches."),
    ("Order", "containsProduct"): ("Product", "The order has a line with a matching product."),
}

FILTERS: dict[str, Any] = {}
ORDERS: dict[str, Any] = {}
ORDER_FIELDS: dict[str, type[Enum]] = {}


def _entity_filter(entity: Entity) -> Any:
    name = f"{entity.name}Filter"
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": __name__}
    for prop in entity.props.values():
        if not prop.filterable:
            continue
        if prop.kind is Kind.ENUM:
            enum_type = enum_for(entity.name, prop)
            filter_type = _enum_filter_cached(enum_type)
        elif prop.kind in _KIND_FILTERS:
            filter_type = _KIND_FILTERS[prop.kind]
        else:
            continue
        attr = _snake(prop.name)
        annotations[attr] = Optional[filter_type]  # noqa: UP045
        namespace[attr] = _optional_field(f"Conditions on `{prop.name}`.")
    for (source, field), (target, description) in RELATION_FILTERS.items():
        if source == entity.name:
            attr = _snake(field)
            annotations[attr] = Optional[f"{target}Filter"]  # noqa: UP045
            namespace[attr] = _optional_field(description)
    annotations["and_"] = Optional[list[name]]  # type: ignore[valid-type]  # noqa: UP045
    namespace["and_"] = _optional_field("Every one of these filters holds.", name="and")
    annotations["or_"] = Optional[list[name]]  # type: ignore[valid-type]  # noqa: UP045
    namespace["or_"] = _optional_field("At least one of these filters holds.", name="or")
    annotations["not_"] = Optional[name]  # noqa: UP045
    namespace["not_"] = _optional_field("This filter does not hold.", name="not")
    namespace["__annotations__"] = annotations
    cls = type(name, (), namespace)
    return strawberry.input(
        cls, description=f"Which {entity.name.lower()}s to keep. All given conditions must hold."
    )


_ENUM_FILTER_CACHE: dict[str, Any] = {}


def _enum_filter_cached(enum_type: type[Enum]) -> Any:
    if enum_type.__name__ not in _ENUM_FILTER_CACHE:
        f = _enum_filter(enum_type)
        _ENUM_FILTER_CACHE[enum_type.__name__] = f
        setattr(_MODULE, f.__name__, f)
    return _ENUM_FILTER_CACHE[enum_type.__name__]


def _entity_order(entity: Entity) -> Any:
    members = {_upper_snake(p.name): p.name for p in entity.props.values() if p.sortable}
    py_enum: Any = Enum(f"{entity.name}OrderField", members)  # type: ignore[misc]
    field_enum = strawberry.enum(
        py_enum, description=f"Fields {entity.name.lower()}s can be sorted by."
    )
    ORDER_FIELDS[entity.name] = field_enum
    setattr(_MODULE, field_enum.__name__, field_enum)
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": {"field": field_enum, "direction": SortDirection},
        "field": strawberry.field(description="What to sort by."),
        "direction": strawberry.field(default=SortDirection.ASC, description="ASC or DESC."),
    }
    cls = type(f"{entity.name}Order", (), namespace)
    return strawberry.input(
        cls, description="One sort key. Ties always break by id, so the order is total."
    )


for _entity in ENTITIES.values():
    FILTERS[_entity.name] = _entity_filter(_entity)
    setattr(_MODULE, f"{_entity.name}Filter", FILTERS[_entity.name])
    ORDERS[_entity.name] = _entity_order(_entity)
    setattr(_MODULE, f"{_entity.name}Order", ORDERS[_entity.name])

__all__ = ["ENUMS", "FILTERS", "ORDERS", "ORDER_FIELDS", "PyDecimal", "dt", "enum_for"]
