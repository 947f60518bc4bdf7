"""Date-times as the compiled reads return them: `[epoch millis, microsecond, offset seconds]`.

Why not the Neo4j DateTime itself: the driver turns every DateTime into a `neo4j.time.DateTime`
in pure Python (calendar normalisation, a tz object, several `replace` calls), which was the
largest single cost of a page of orders on the API server (22 date-times per request, about a
fifth of its CPU). Three integers decode in the driver's Rust extension, and become the same
ISO text here in a few C calls.

The text is exactly what `neo4j.time.DateTime.to_native().isoformat()` gives, which is what the
API has always answered: the stored offset is kept, sub-microsecond digits are truncated, and
microseconds appear only when they are not zero. tests/test_temporal_wire.py checks that on a
real Neo4j across centuries, offsets and fractions, so answers and cursors do not change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ZONES: dict[int, dt.timezone] = {0: dt.timezone(dt.timedelta(0))}


def is_wire(value: Any) -> bool:
    """A value in the wire form (a DateTime read another way is a `neo4j.time.DateTime`)."""
    return type(value) is list and len(value) == 3


def native(value: list[Any]) -> dt.datetime:
    """The wire form as an aware Python datetime in the stored offset."""
    millis, microsecond, offset = value
    if offset is None:  # a LocalDateTime: read as UTC, as the DateTime scalar always has
        offset = 0
    zone = _ZONES.get(offset)
    if zone is None:
        zone = _ZONES.setdefault(offset, dt.timezone(dt.timedelta(seconds=offset)))
    # the floor of the millisecond count is the second; the microsecond of that second is exact
    since = dt.timedelta(seconds=millis // 1000, microseconds=microsecond)
    return (_EPOCH + since).astimezone(zone)


def iso(value: list[Any]) -> str:
    """The wire form as the API's DateTime text."""
    return native(value).isoformat()
