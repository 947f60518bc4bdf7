"""The Cypher that returns a stored DateTime in the compiled reads' wire form (core/temporal.py).

Only what the API shows goes this way (projected DateTime fields and the sort values cursors
are made of); filters, ordering and every other statement keep the DateTime itself.
"""

from __future__ import annotations


def wire(expr: str) -> str:
    """`expr` (a DateTime, or null) as `[epochMillis, microsecond, offsetSeconds]`, or null.

    Milliseconds, not `epochSeconds`: before 1970 Neo4j rounds `epochSeconds` to the nearest
    second (…45.5 reads as …46), while `epochMillis` is the floor, as an instant's count
    should be. `expr` may be a template over `{n}`; it is repeated, so it must be a plain
    property read.
    """
    return (
        f"CASE WHEN {expr} IS NULL THEN null "
        f"ELSE [{expr}.epochMillis, {expr}.microsecond, {expr}.offsetSeconds] END"
    )
