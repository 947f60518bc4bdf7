"""Every public element of the schema is documented, in sentences GraphiQL can show.

The live schema is walked by introspection (graphql-core's view of it, the same one
`__schema` answers from): every type, field, argument, input field, enum value and directive
outside the introspection system (`__*`) needs a description, written as a sentence, that says
more than the element's own name. No database is needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)

from core import model
from core.model import ENTITIES, Vocabulary
from schema.root import schema
from schema.types.filters import ENUMS

SCHEMA: GraphQLSchema = schema._schema


def described_elements() -> Iterator[tuple[str, str | None]]:
    """(schema coordinate, description) of every public element."""
    for name, named_type in sorted(SCHEMA.type_map.items()):
        if name.startswith("__"):
            continue
        yield name, named_type.description
        if isinstance(named_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named_type.fields.items():
                yield f"{name}.{field_name}", field.description
                for arg_name, arg in field.args.items():
                    yield f"{name}.{field_name}({arg_name}:)", arg.description
        elif isinstance(named_type, GraphQLInputObjectType):
            for field_name, input_field in named_type.fields.items():
                yield f"{name}.{field_name}", input_field.description
        elif isinstance(named_type, GraphQLEnumType):
            for value_name, enum_value in named_type.values.items():
                yield f"{name}.{value_name}", enum_value.description
    for directive in SCHEMA.directives:
        yield f"@{directive.name}", directive.description
        for arg_name, arg in directive.args.items():
            yield f"@{directive.name}({arg_name}:)", arg.description


def test_the_walk_reaches_every_kind_of_element() -> None:
    coordinates = {where for where, _ in described_elements()}
    assert {
        "Customer",
        "Customer.totalSpent",
        "Query.customers(orderBy:)",
        "CustomerFilter.totalSpent",
        "OrderStatus.PAID",
        "CustomerOrderField.TOTAL_SPENT",
        "Subscription.heartbeat(count:)",
        "@include(if:)",
    } <= coordinates
    assert len(coordinates) > 1000


def test_every_public_schema_element_has_a_description() -> None:
    missing = [where for where, text in described_elements() if not (text or "").strip()]
    assert not missing, f"{len(missing)} elements without a description:\n" + "\n".join(missing)


_SENTENCE_START = re.compile(r"^[A-Z0-9`\"'(]")
_SENTENCE_END = (".", "…", ")", "?", "!")


def test_descriptions_are_sentences() -> None:
    # GraphiQL shows descriptions as prose: a capital (or code) first, a full stop last.
    bad = [
        f"{where}: {text!r}"
        for where, text in described_elements()
        if text and not (_SENTENCE_START.match(text) and text.rstrip().endswith(_SENTENCE_END))
    ]
    assert not bad, "\n".join(bad)


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def test_no_description_only_restates_the_name() -> None:
    restated = [
        f"{where}: {text!r}"
        for where, text in described_elements()
        if text and _words(text) == _words(re.split(r"[.(]", where.lstrip("@"))[-1])
    ]
    assert not restated, "\n".join(restated)


def test_enum_values_take_their_meaning_from_the_models_vocabulary() -> None:
    # Written once, next to the values in core/model.py; every enum made from a vocabulary
    # (including the filter-only SegmentRequireConsentChannel) shows the same words.
    vocabularies = [v for v in vars(model).values() if isinstance(v, Vocabulary)]
    assert len(vocabularies) >= 8
    checked = 0
    for name in ENUMS:
        graphql_enum = SCHEMA.get_type(name)
        assert isinstance(graphql_enum, GraphQLEnumType), name
        vocabulary = next(v for v in vocabularies if tuple(v) == tuple(graphql_enum.values))
        assert graphql_enum.description == vocabulary.description, name
        for value_name, enum_value in graphql_enum.values.items():
            assert enum_value.description == vocabulary.meanings[value_name], (name, value_name)
            checked += 1
    assert checked >= 45


def test_filter_and_sort_fields_say_what_their_field_says() -> None:
    customer = SCHEMA.get_type("Customer")
    order_field = SCHEMA.get_type("CustomerOrderField")
    customer_filter = SCHEMA.get_type("CustomerFilter")
    assert isinstance(customer, GraphQLObjectType)
    assert isinstance(order_field, GraphQLEnumType)
    assert isinstance(customer_filter, GraphQLInputObjectType)
    total_spent = customer.fields["totalSpent"].description
    assert order_field.values["TOTAL_SPENT"].description == f"Sort by `totalSpent`: {total_spent}"
    assert customer_filter.fields["totalSpent"].description == (
        f"Conditions on `totalSpent`: {total_spent}"
    )
    # Missing values sort last ascending; text by character code; enums by the value's name.
    assert "come last in ASC" in (order_field.values["LEAD_SCORE"].description or "")
    assert "character code" in (order_field.values["NAME"].description or "")
    assert "alphabetically" in (order_field.values["LIFECYCLE_STAGE"].description or "")
    # Address parts are described by the Address field they are shown as.
    assert customer_filter.fields["city"].description == (
        "Conditions on `city`: City or town; part of the billing or home address."
    )
    # Personal fields warn that masked roles may not filter on them.
    assert "FORBIDDEN_FIELD" in (customer_filter.fields["email"].description or "")
    assert "FORBIDDEN_FIELD" not in (customer_filter.fields["name"].description or "")


def test_every_order_by_argument_says_ties_follow_the_internal_uuid() -> None:
    sort_inputs = {f"{name}Order" for name in ENTITIES}
    order_by = [
        (where, text or "")
        for where, text in described_elements()
        if where.endswith("(orderBy:)") or where in sort_inputs
    ]
    assert len(order_by) > len(sort_inputs) + 10
    vague = [where for where, text in order_by if "internal uuid" not in text]
    assert not vague, vague
