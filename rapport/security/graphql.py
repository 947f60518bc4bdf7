"""Schema extensions that keep a GraphQL request within bounds and its errors free of internals.

`AbuseLimits` applies Strawberry's own limiters (QueryDepthLimiter, MaxAliasesLimiter, the
`max_tokens` parse option of MaxTokensLimiter, DisableIntrospection's rule in production) with
the values of the running app's Settings, read from the request context, so that each app (and
each test) can have its own limits with one module-level schema.

`MaskInternalErrors` is Strawberry's MaskErrors with our predicate: errors we raise on purpose
(GraphQLErrors, usually with `extensions.code`), parse/validation errors and input coercion
errors reach the client; anything unexpected becomes "Internal error (request id X)" and is logged
with its traceback under the same id. Every error gets `extensions.requestId`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import lru_cache

from graphql import ASTValidationRule, GraphQLError, GraphQLSyntaxError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from rapport.security.middleware import current_request_id
from schema.context import RequestContext

log = logging.getLogger("rapport.graphql")

INTERNAL_ERROR_CODE = "INTERNAL_ERROR"


@lru_cache(maxsize=16)
def limit_rules(
    max_depth: int, max_aliases: int, introspection: bool
) -> tuple[type[ASTValidationRule], ...]:
    rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    if not introspection:
        rules.extend(DisableIntrospection().validation_rules)
    return tuple(rules)


class AbuseLimits(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, RequestContext):
            settings = context.settings
            self.execution_context.validation_rules = (
                *self.execution_context.validation_rules,
                *limit_rules(
                    settings.max_query_depth, settings.max_aliases, settings.env != "production"
                ),
            )
            self.execution_context.parse_options["max_tokens"] = settings.max_tokens
        yield


def is_internal_error(error: GraphQLError) -> bool:
    """True for errors the client must not see verbatim."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False  # made by graphql-core (syntax, validation) or raised by us on purpose
    # Before execution (no path), ValueError/TypeError come from scalars rejecting input.
    return not (error.path is None and isinstance(original, ValueError | TypeError))


def default_code(error: GraphQLError) -> str:
    """A code for errors graphql-core makes without one (syntax, coercion)."""
    if isinstance(error, GraphQLSyntaxError):
        if "tokens" in error.message:
            return "QUERY_TOO_LARGE"
        if "nested too deeply" in error.message:
            return "QUERY_TOO_DEEP"
        return "GRAPHQL_PARSE_FAILED"
    if error.path is None:
        return "BAD_USER_INPUT"  # variables and arguments that do not fit their types
    return "FIELD_ERROR"


class MaskInternalErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_internal_error, error_message="Internal error")

    def _request_id(self) -> str:
        context = self.execution_context.context
        if isinstance(context, RequestContext) and context.request_id:
            return context.request_id
        return current_request_id()

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = self._request_id()
        log.error(
            "internal error at %s (request id %s)",
            ".".join(map(str, error.path or [])) or "<operation>",
            request_id,
            exc_info=error.original_error,
        )
        return GraphQLError(
            f"Internal error (request id {request_id})",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": INTERNAL_ERROR_CODE},
        )

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        request_id = self._request_id()
        for error in processed:
            code = (error.extensions or {}).get("code") or default_code(error)
            error.extensions = {**(error.extensions or {}), "code": code, "requestId": request_id}
            if error.extensions.get("code") != INTERNAL_ERROR_CODE:
                log.info("GraphQL error (request id %s): %s", request_id, error.message)
        return processed
