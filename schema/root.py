"""The root Query, Mutation and Subscription types, assembled from the feature modules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from schema.changes import CHANGES_SUBSCRIPTION, ChangeQueries
from schema.context import Info
from schema.fastpath import RowExecutor
from schema.import_jobs import ImportJobMutations, ImportJobQueries
from schema.mutations import EntityMutations
from schema.privacy import PrivacyMutations, PrivacyQueries
from schema.queries import EntityQueries, skip_argument_conversion
from schema.queries_intelligence import IntelligenceQueries
from schema.queries_quality import QualityQueries
from schema.scalars import SCALAR_MAP, DateTime
from schema.types.entities import ENTITY_TYPES


@strawberry.type(description="Entry point for every read.")
class Query(
    EntityQueries,
    IntelligenceQueries,
    QualityQueries,
    PrivacyQueries,
    ChangeQueries,
    ImportJobQueries,
):
    @strawberry.field(description="Version of the Rapport API answering this request.")
    def api_version(self) -> str:
        return "0.1.0"

    @strawberry.field(description="True when the graph database answers right now.")
    async def database_ready(self, info: Info) -> bool:
        return await info.context.graph.ping()


@strawberry.type(description="Entry point for every change.")
class Mutation(EntityMutations, PrivacyMutations, ImportJobMutations):
    @strawberry.mutation(description="Does nothing; proves the mutation endpoint is reachable.")
    def noop(self) -> bool:
        return True


@strawberry.type(description="Live updates over WebSocket (graphql-transport-ws).")
class Subscription:
    changes = CHANGES_SUBSCRIPTION

    @strawberry.subscription(
        description="Server time every `intervalSeconds` (1-60); a connectivity probe for clients."
    )
    async def heartbeat(
        self,
        interval_seconds: Annotated[
            int,
            strawberry.argument(
                description="Seconds between two beats, 1-60 (default 5); values outside are "
                "brought into that range."
            ),
        ] = 5,
        count: Annotated[
            int | None,
            strawberry.argument(
                description="How many beats to send, at least 1; the subscription then ends. "
                "Left out: beats go on until you unsubscribe."
            ),
        ] = None,
    ) -> AsyncGenerator[DateTime, None]:
        if count is not None and count < 1:
            raise GraphQLError(
                f"`count` is {count}; it must be at least 1 (omit it for no end).",
                extensions={"code": "INVALID_ARGUMENT", "argument": "count"},
            )
        interval = min(max(interval_seconds, 1), 60)
        sent = 0
        while count is None or sent < count:
            yield DateTime(datetime.now(UTC))
            sent += 1
            if count is None or sent < count:
                await asyncio.sleep(interval)


def build_schema(extensions: Sequence[type[SchemaExtension]] = ()) -> strawberry.Schema:
    """The public schema, with the request-guarding extensions the service adds (rapport/served.py).

    Without extensions it is the same schema for printing and introspection; the served one
    adds cost limits, error masking and the statement log, which belong to the service.
    """
    built = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(ENTITY_TYPES.values()),
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=list(extensions),
        execution_context_class=RowExecutor,
    )
    skip_argument_conversion(built)
    return built


#: The schema without the service's extensions: `rapport schema print`, introspection, tests.
schema = build_schema()
