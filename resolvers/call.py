"""The plain arguments every use case receives, and the plain result a mutation returns.

`Call` is what a use case may know about the request: the database, the settings, who asks,
which root field (authorization and the audit trail name the action by it) and what the client
selected (the read compiler plans from it). The GraphQL layer builds one per root field
(schema/context.py); use cases never see Strawberry's `Info`.

`Input` is an input object as the client sent it: only the fields mentioned are attributes, an
explicit null is None, enum members and scalars are as GraphQL coerced them. `Outcome` is a
mutation's result: the payload's fields by name, and the errors that refused it (nothing
written when there are any).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from core.selection import RootSelection
from core.validation import FieldError

if TYPE_CHECKING:
    from core.settings import Settings
    from core.viewer import Viewer
    from graphdb.driver import Graph


@dataclass
class Call:
    graph: Graph
    settings: Settings
    #: None only for a request that was never authenticated; see `viewer`.
    principal: Viewer | None
    #: The root field's name, e.g. "createCustomer".
    action: str
    selection: RootSelection

    @property
    def viewer(self) -> Viewer:
        """The authenticated caller. Every operation that executes has one; asking for it on
        a call that was never authenticated is a bug, refused loudly rather than guessed."""
        if self.principal is None:
            raise GraphQLError("Not authenticated.", extensions={"code": "UNAUTHENTICATED"})
        return self.principal


class _Absent:
    """The value of an input field the client did not mention (unlike null, which clears)."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


class Input(SimpleNamespace):
    """An input object with only the fields the client mentioned (see the module docstring);
    any other field reads as `ABSENT`."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return ABSENT

    def given(self) -> dict[str, Any]:
        """The fields the client mentioned, by attribute name."""
        return dict(vars(self))


@dataclass
class Outcome:
    """A mutation's payload fields and the errors that refused it."""

    fields: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    @classmethod
    def of(cls, errors: Iterable[FieldError] = (), **fields: Any) -> Outcome:
        return cls(dict(fields), list(errors))

    @classmethod
    def written(
        cls, name: str, written: Any, errors: Iterable[FieldError], *, created: bool = False
    ) -> Outcome:
        """The common payload: one entity under `name` (None when refused), and its errors.
        With `created`, also the payload's `created` flag (upserts)."""
        fields: dict[str, Any] = {name: written.row if written else None}
        if created:
            fields["created"] = bool(written and written.created)
        return cls(fields, list(errors))
