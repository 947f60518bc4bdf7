"""Date-times in the compiled reads' wire form read exactly as the driver's DateTime did.

The API answered `neo4j.time.DateTime.to_native().isoformat()` for years; the wire form
(core/temporal.py, graphdb/compiler/temporal.py) must give the same text for every value a
database can hold, or answers and cursors would change under clients.
"""

from __future__ import annotations

import random

from core import temporal
from graphdb.compiler.temporal import wire
from graphdb.driver import Graph

OFFSETS = ["Z", "+01:00", "-05:30", "+05:45", "+14:00", "-12:00", "+02:00"]
FRACTIONS = ["", ".000001", ".5", ".123456", ".123456789", ".999999999", ".000000001"]


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        year = rng.choice([1, 2, 1000, 1899, 1969, 1970, 2000, 2026, 9998, rng.randint(1, 9998)])
        texts.append(
            f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(2, 27):02d}"  # in 1-9999 in UTC
            f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
            f"{rng.choice(FRACTIONS)}{rng.choice(OFFSETS)}"
        )
    return texts


async def _both(graph: Graph, texts: list[str]) -> list[tuple[str, str]]:
    rows = await graph.read(
        f"UNWIND $texts AS t WITH t, datetime(t) AS x RETURN t, x, {wire('x')} AS w",
        {"texts": texts},
    )
    return [(temporal.iso(r["w"]), r["x"].to_native().isoformat()) for r in rows]


async def test_the_wire_form_reads_as_the_drivers_datetime_did(graph: Graph) -> None:
    texts = [
        *_texts(seed=16, count=2_000),
        "1969-12-31T23:59:59.999999999Z",  # just before the epoch, with a fraction
        "1899-08-16T19:40:45.5+01:00",  # Neo4j's epochSeconds rounds this one up to :46
        "1970-01-01T00:00:00Z",
        # the ends of what a Python datetime (so the driver, and the API) can hold in UTC
        "0001-01-01T14:00:00.5+14:00",
        "9999-12-31T11:59:59.999999-12:00",
    ]
    pairs = await _both(graph, texts)
    assert len(pairs) == len(texts)
    assert [wire_text for wire_text, _ in pairs] == [driver_text for _, driver_text in pairs]


async def test_a_named_zone_keeps_its_offset_at_that_instant(graph: Graph) -> None:
    rows = await graph.read(
        "UNWIND $months AS m "
        "WITH datetime({year: 2026, month: m, day: 15, hour: 12, "
        "timezone: 'Europe/Bratislava'}) AS x "
        f"RETURN x, {wire('x')} AS w",
        {"months": [1, 7]},
    )
    winter, summer = (temporal.iso(r["w"]) for r in rows)
    assert (winter, summer) == tuple(r["x"].to_native().isoformat() for r in rows)
    assert winter.endswith("+01:00") and summer.endswith("+02:00")


async def test_a_missing_datetime_stays_null(graph: Graph) -> None:
    rows = await graph.read(f"WITH null AS x RETURN {wire('x')} AS w")
    assert rows[0]["w"] is None
