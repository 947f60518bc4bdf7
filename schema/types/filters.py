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

from core.model import ENTITIES, Entity, Kind, Prop, Vocabulary
from graphdb.compiler.ordering import NEVER_NULL
from schema.scalars import Date, DateTime, Decimal
from schema.types.base import SortDirection
from schema.types.wording import article, plural, words

_MODULE = sys.modules[__name__]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _upper_snake(name: str) -> str:
    return _snake(name).upper()


def _optional_field(description: str, name: str | None = None) -> Any:
    return strawberry.field(default=None, description=description, name=name)


#: Wording of the ordered comparisons: for points in time, and for everything else.
_TIME_COMPARISONS = {
    "gt": "Strictly after this {what}.",
    "gte": "On or after this {what}.",
    "lt": "Strictly before this {what}.",
    "lte": "On or before this {what}.",
}
_COMPARISONS = {
    "gt": "Greater than this {what}.",
    "gte": "At least this {what}.",
    "lt": "Less than this {what}.",
    "lte": "At most this {what}.",
}
_TEXT_COMPARISONS = {
    "gt": "After this text in character-code order (case-sensitive: Z sorts before a).",
    "gte": "This text or after it in character-code order (case-sensitive).",
    "lt": "Before this text in character-code order (case-sensitive: Z sorts before a).",
    "lte": "This text or before it in character-code order (case-sensitive).",
}


def _scalar_filter(
    type_name: str, value_type: Any, operators: tuple[str, ...], what: str, *, time: bool = False
) -> Any:
    comparisons = _TIME_COMPARISONS if time else _COMPARISONS
    if what == "text":
        comparisons = _TEXT_COMPARISONS
    docs = {
        "eq": f"Exactly this {what}." if what != "text" else "Exactly this text (case-sensitive).",
        "in": f"Any one of these {plural(what)}.",
        "contains": "Contains this text anywhere, ignoring upper and lower case.",
        "startsWith": "Starts with this text, ignoring upper and lower case.",
        **{op: template.format(what=what) for op, template in comparisons.items()},
        "isNull": "`true`: only where the field is empty; `false`: only where it has a value.",
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
    description = f"Conditions on {article(what)} field; every condition given must hold."
    if "isNull" in operators:
        description += (
            " A record whose field is empty matches none of them but `isNull: true`, even "
            "inside `not`."
        )
    return strawberry.input(cls, description=description)


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
    "DateTimeFilter",
    DateTime,
    ("eq", "gt", "gte", "lt", "lte", "isNull"),
    "point in time",
    time=True,
)
DateFilter = _scalar_filter(
    "DateFilter", Date, ("eq", "gt", "gte", "lt", "lte", "isNull"), "date", time=True
)
BooleanFilter = _scalar_filter("BooleanFilter", bool, ("eq", "isNull"), "yes/no value")
IDFilter = _scalar_filter("IDFilter", strawberry.ID, ("eq", "in"), "global id")

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


def model_enum(
    type_name: str, values: tuple[str, ...], description: str | None = None
) -> type[Enum]:
    """The GraphQL enum `type_name` over `values`, made once and shared.

    A `Vocabulary` brings its own description and one per value (core/model.py); a plain
    tuple needs `description`, and its values have none (the schema description test fails).
    """
    if type_name not in ENUMS:
        meanings = values.meanings if isinstance(values, Vocabulary) else {}
        members = {v: strawberry.enum_value(v, description=meanings.get(v)) for v in values}
        py_enum = Enum(type_name, members)  # type: ignore[misc]
        if description is None and isinstance(values, Vocabulary):
            description = values.description
        ENUMS[type_name] = strawberry.enum(py_enum, description=description)
        setattr(_MODULE, type_name, ENUMS[type_name])
    return ENUMS[type_name]


#: GraphQL names of the model's enum properties: (entity, property) -> (enum, what one value is).
_ENUM_NAMES = {
    ("Customer", "kind"): ("CustomerKind", "customer kind"),
    ("Customer", "lifecycleStage"): ("LifecycleStage", "lifecycle stage"),
    ("Order", "status"): ("OrderStatus", "order status"),
    ("Interaction", "kind"): ("InteractionKind", "interaction kind"),
    ("User", "role"): ("UserRole", "role"),
    ("Consent", "channel"): ("ConsentChannel", "consent channel"),
    ("Segment", "requireConsentChannel"): ("SegmentRequireConsentChannel", "consent channel"),
}


def _enum_name(entity: str, prop: Prop) -> tuple[str, str]:
    default = (f"{entity}{prop.name[0].upper()}{prop.name[1:]}", words(prop.name))
    return _ENUM_NAMES.get((entity, prop.name), default)


def enum_for(entity: str, prop: Prop) -> type[Enum]:
    return model_enum(_enum_name(entity, prop)[0], prop.enum_values)


def _enum_filter(enum_type: type[Enum], what: str) -> Any:
    return _scalar_filter(f"{enum_type.__name__}Filter", enum_type, ("eq", "in", "isNull"), what)


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
            filter_type = _enum_filter_cached(enum_type, _enum_name(entity.name, prop)[1])
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
    namespace["and_"] = _optional_field(
        "Every one of these filters holds (an empty list keeps everything).", name="and"
    )
    annotations["or_"] = Optional[list[name]]  # type: ignore[valid-type]  # noqa: UP045
    namespace["or_"] = _optional_field(
        "At least one of these filters holds (an empty list keeps nothing).", name="or"
    )
    annotations["not_"] = Optional[name]  # noqa: UP045
    namespace["not_"] = _optional_field(
        "This filter does not hold. A condition on an empty field fails here too: "
        '`not: {email: {eq: "…"}}` also leaves out records without an e-mail.',
        name="not",
    )
    namespace["__annotations__"] = annotations
    cls = type(name, (), namespace)
    return strawberry.input(
        cls,
        description=f"Which {plural(words(entity.name))} to keep. All given conditions must "
        "hold; leave the filter out to keep them all.",
    )


_ENUM_FILTER_CACHE: dict[str, Any] = {}


def _enum_filter_cached(enum_type: type[Enum], what: str) -> Any:
    if enum_type.__name__ not in _ENUM_FILTER_CACHE:
        f = _enum_filter(enum_type, what)
        _ENUM_FILTER_CACHE[enum_type.__name__] = f
        setattr(_MODULE, f.__name__, f)
    return _ENUM_FILTER_CACHE[enum_type.__name__]


#: How every sort ends, for the `orderBy` arguments, the `*Order` inputs and the docs.
TIE_BREAK = (
    "Records equal on every key come in the order of their internal uuid, ascending or "
    "descending with the first key. A global id is the base64 of `Type:uuid`, so this is not "
    "the order of the global id strings."
)


def _entity_order(entity: Entity) -> Any:
    members = {_upper_snake(p.name): p.name for p in entity.props.values() if p.sortable}
    py_enum: Any = Enum(f"{entity.name}OrderField", members)  # type: ignore[misc]
    field_enum = strawberry.enum(
        py_enum, description=f"What {plural(words(entity.name))} can be sorted by."
    )
    ORDER_FIELDS[entity.name] = field_enum
    setattr(_MODULE, field_enum.__name__, field_enum)
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": {"field": field_enum, "direction": SortDirection},
        "field": strawberry.field(description="The field to sort by."),
        "direction": strawberry.field(
            default=SortDirection.ASC, description="ASC (the default) or DESC."
        ),
    }
    cls = type(f"{entity.name}Order", (), namespace)
    return strawberry.input(cls, description=f"One sort key: a field and a direction. {TIE_BREAK}")


#: Filter and sort fields with no namesake on their entity's type: what they hold.
_OWN_DOCS: dict[tuple[str, str], str] = {
    ("Segment", "requireConsentChannel"): "The channel of the segment's consent rule "
    "(`requireConsent.channel`).",
    ("Segment", "requireConsentPurpose"): "The purpose of the segment's consent rule "
    "(`requireConsent.purpose`).",
}

#: Stored address properties -> the Address field they are shown as.
_ADDRESS_PARTS = {
    "addressLine1": "line1",
    "addressLine2": "line2",
    "postalCode": "postal_code",
    "city": "city",
    "region": "region",
    "country": "country",
}

_ID_FILTER = "Keep only the records with these global ids (`eq` one, `in` several)."
_ID_SORT = (
    "Sort by the internal uuid inside each global id: a stable order with no business meaning, "
    "and not the order of the global id strings. Every sort already ends with this key."
)
_PERSONAL_FILTER = (
    " Personal data: only ADMIN and MANAGER may filter on it; other roles get the error "
    "FORBIDDEN_FIELD."
)
_ENUM_SORT = " Values sort alphabetically by name."
_TEXT_SORT = " Text sorts by character code: capitals before small letters, accented letters last."
_NULLS_SORT = " Records without a value come last in ASC order and first in DESC order."


def _descriptions(cls: Any) -> dict[str, str]:
    return {f.python_name: f.description or "" for f in cls.__strawberry_definition__.fields}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _what_it_holds(entity: Entity, prop: Prop, entity_type: Any, address_type: Any) -> str:
    own = _descriptions(entity_type)
    if (entity.name, prop.name) in _OWN_DOCS:
        return _OWN_DOCS[(entity.name, prop.name)]
    if prop.name in _ADDRESS_PARTS and "address" in own:
        part = _descriptions(address_type)[_ADDRESS_PARTS[prop.name]]
        return f"{part.rstrip('.')}; part of the {_lower_first(own['address']).rstrip('.')}."
    description = own.get(_snake(prop.name))
    if not description:
        raise LookupError(
            f"{entity.name}.{prop.name} has no description to derive its filter and sort "
            "descriptions from: describe the field on its type, or add it to _OWN_DOCS."
        )
    return description


def describe_fields(entity_types: dict[str, Any], address_type: Any) -> None:
    """Describe every generated filter field and sort value by the field it stands for.

    The entity types are built after the filters (their connection fields take them), so
    schema/types/entities.py calls this once they exist: `CustomerFilter.totalSpent` and
    `CustomerOrderField.TOTAL_SPENT` then say what `Customer.totalSpent` says, and a model
    property without a description on its type fails at import time.
    """
    for entity in ENTITIES.values():
        entity_type = entity_types[entity.name]
        by_attr = {_snake(p.name): p for p in entity.props.values()}
        for field in FILTERS[entity.name].__strawberry_definition__.fields:
            prop = by_attr.get(field.python_name)
            if prop is None:
                continue  # a relationship filter, and/or/not: described where made
            if prop.name == "id":
                field.description = _ID_FILTER
                continue
            holds = _what_it_holds(entity, prop, entity_type, address_type)
            field.description = f"Conditions on `{prop.name}`: {holds}" + (
                _PERSONAL_FILTER if prop.personal else ""
            )
        for value in ORDER_FIELDS[entity.name].__strawberry_definition__.values:  # type: ignore[attr-defined]
            prop = entity.props[value.value]
            if prop.name == "id":
                value.description = _ID_SORT
                continue
            holds = _what_it_holds(entity, prop, entity_type, address_type)
            value.description = (
                f"Sort by `{prop.name}`: {holds}"
                + (_ENUM_SORT if prop.kind is Kind.ENUM else "")
                + (_TEXT_SORT if prop.kind is Kind.STRING else "")
                + ("" if prop.name in NEVER_NULL else _NULLS_SORT)
            )


for _entity in ENTITIES.values():
    FILTERS[_entity.name] = _entity_filter(_entity)
    setattr(_MODULE, f"{_entity.name}Filter", FILTERS[_entity.name])
    ORDERS[_entity.name] = _entity_order(_entity)
    setattr(_MODULE, f"{_entity.name}Order", ORDERS[_entity.name])

__all__ = [
    "ENUMS",
    "FILTERS",
    "ORDERS",
    "ORDER_FIELDS",
    "TIE_BREAK",
    "PyDecimal",
    "describe_fields",
    "dt",
    "enum_for",
]
