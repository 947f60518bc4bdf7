"""Errors for bad query arguments: GraphQL errors with a stable code and the argument path."""

from __future__ import annotations

from graphql import GraphQLError


class QueryArgumentError(GraphQLError):
    """A query argument is invalid (negative page size, foreign cursor, unknown id…)."""

    def __init__(self, message: str, *, code: str, argument: str) -> None:
        super().__init__(message, extensions={"code": code, "argument": argument})
