"""The schema as the service serves it: the public schema plus the extensions that guard requests.

AbuseLimits comes first: it sets the parse options and validation rules the caches key on.
CostLimits parses (cached), counts the expanded document, then validates it off the event loop
(cached). MaskInternalErrors turns anything unexpected into INTERNAL_ERROR without a traceback,
DatabaseUnavailableStatus makes an unreachable database a 503, and StatementLogExtension logs
(and, for an ADMIN debugging, returns) the Cypher each operation ran.
"""

from __future__ import annotations

from rapport.security.cost import CostLimits
from rapport.security.graphql import AbuseLimits, MaskInternalErrors
from rapport.security.unavailable import DatabaseUnavailableStatus
from schema.extensions import StatementLogExtension
from schema.root import build_schema

schema = build_schema(
    [
        AbuseLimits,
        CostLimits,
        MaskInternalErrors,
        DatabaseUnavailableStatus,
        StatementLogExtension,
    ]
)
