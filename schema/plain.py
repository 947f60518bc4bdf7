"""The two crossings between Strawberry and the use cases: inputs in, payloads out.

Use cases (resolvers/) take plain `Input`s and return plain `Outcome`s (resolvers/call.py), so
they can be called from the importer, a test or a future transport without Strawberry; these
two functions are the only glue, instead of one copy per mutation.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from strawberry.types.unset import UnsetType

from resolvers.call import Input, Outcome
from schema.types.errors import user_errors

P = TypeVar("P")


def plain(value: Any) -> Any:
    """An input object as an `Input` with only the fields the client sent (lists and nested
    inputs converted too). Enum members, ids and scalars pass through unchanged."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return Input(
            **{
                f.name: plain(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if not isinstance(getattr(value, f.name), UnsetType)
            }
        )
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def payload(cls: Callable[..., P], outcome: Outcome) -> P:
    """The mutation payload `cls` for a use case's outcome: its fields, and its errors as
    `UserError`s."""
    return cls(**outcome.fields, errors=user_errors(outcome.errors))
