"""`python -m bench.duplicates`: precision, recall and timing of duplicateCandidates.

Seeds N customers (`rapport.seed.seed_graph`) into a Neo4j of its own (kept under
.rapport/bench/dup-N-SEED, so a re-run reuses the data; `--fresh` seeds it again), runs the
detector exactly as the GraphQL field does (the blocking statement, then the Python scoring),
and compares the customer pairs it reports with the seed's planted ground truth
(`rapport.seed.planted_duplicates`). Writes bench/results/duplicates-N-seedS.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import shutil
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.harness import PASSWORD, REPO, free_port
from graphdb.driver import Graph
from graphdb.local.server import LocalNeo4jConfig, start, stop
from graphdb.migrations import migrate
from rapport.seed import planted_duplicates, seed_graph
from resolvers import duplicates

RESULTS = Path(__file__).resolve().parent / "results"
THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
DEFAULT_REGION = "SK"


def _neo4j(customers: int, seed: int, fresh: bool, port: int) -> LocalNeo4jConfig:
    home = REPO / ".rapport" / "bench" / f"dup-{customers}-{seed}"
    if fresh and home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    config = LocalNeo4jConfig(
        home=home,
        launcher_dir=REPO / ".rapport" / "launcher",
        port=port or free_port(),
        password=PASSWORD,
        heap="1g",
        pagecache="1g",
    )
    start(config)
    return config


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _clusters(pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Every pair inside each cluster of planted records.

    Two planted duplicates of the same original are also duplicates of each other; the ground
    truth file lists (original, duplicate) pairs only, so its transitive closure is the truth.
    """
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[str, list[str]] = {}
    for x in list(parent):
        groups.setdefault(root(x), []).append(x)
    return {_pair(a, b) for g in groups.values() for a, b in itertools.combinations(sorted(g), 2)}


def _prf(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, Any]:
    tp = len(found & truth)
    return {
        "reported": len(found),
        "true_positives": tp,
        "false_positives": len(found - truth),
        "false_negatives": len(truth - found),
        "precision": round(tp / len(found), 4) if found else 1.0,
        "recall": round(tp / len(truth), 4) if truth else 1.0,
    }


async def measure(uri: str, customers: int, seed: int, repeats: int) -> dict[str, Any]:
    graph = Graph.connect(uri, "neo4j", PASSWORD, tx_timeout_s=1800)
    try:
        await migrate(graph)
        rows = await graph.read("MATCH (c:Customer) RETURN count(c) AS n")
        seed_s = 0.0
        if rows[0]["n"] == 0:
            started = time.perf_counter()
            await seed_graph(graph, customers, seed, progress=True)
            seed_s = time.perf_counter() - started
        elif rows[0]["n"] != customers:
            raise SystemExit(f"the database holds {rows[0]['n']} customers, not {customers}")
        counts = (
            await graph.read(
                "RETURN COUNT { (:Customer) } AS customers, COUNT { (:Contact) } AS contacts"
            )
        )[0]
        planted = planted_duplicates(customers, seed)
        truth = _clusters([(p.original_id, p.duplicate_id) for p in planted])

        timings: dict[str, dict[str, Any]] = {}
        result: dict[str, list[duplicates.Candidate]] = {}
        for name, labels in (("customers", ("Customer",)), ("both", duplicates.LABELS)):
            statement, params = duplicates.block_params(labels)
            runs: list[tuple[float, float]] = []
            blocks: list[Any] = []
            for _ in range(repeats):
                started = time.perf_counter()
                blocks = await graph.read(statement, params)
                fetched = time.perf_counter()
                found = duplicates.candidates(blocks, DEFAULT_REGION, 0.0)
                runs.append((fetched - started, time.perf_counter() - fetched))
            result[name] = found
            block_sizes = [len(b["members"]) for b in blocks]
            timings[name] = {
                "blocks": len(blocks),
                "block_members": sum(block_sizes),
                "largest_block": max(block_sizes, default=0),
                "pairs_scored": len(found),
                "statement_s": round(statistics.median(r[0] for r in runs), 3),
                "scoring_s": round(statistics.median(r[1] for r in runs), 3),
                "total_s": round(statistics.median(r[0] + r[1] for r in runs), 3),
            }

        scored = result["customers"]
        by_threshold = {}
        for threshold in THRESHOLDS:
            reported = {_pair(c.a.raw_id, c.b.raw_id) for c in scored if c.score >= threshold}
            by_threshold[str(threshold)] = _prf(reported, truth)
        default = by_threshold["0.75"]
        kept = [c for c in scored if c.score >= 0.75]
        false_positives = [c for c in kept if _pair(c.a.raw_id, c.b.raw_id) not in truth]
        fp_reasons = Counter("+".join(r.value for r in c.reasons) for c in false_positives)
        names = await _names(graph, [c for c in false_positives[:10]])
        contact_pairs = [c for c in result["both"] if c.a.type_name == "Contact"]
        return {
            "customers": customers,
            "seed": seed,
            "nodes": {"customers": counts["customers"], "contacts": counts["contacts"]},
            "seed_seconds": round(seed_s, 1),
            "planted_pairs": len(planted),
            "true_pairs": len(truth),
            "default_min_score": 0.75,
            "precision": default["precision"],
            "recall": default["recall"],
            "by_threshold": by_threshold,
            "false_positive_reasons": dict(fp_reasons.most_common()),
            "false_positive_examples": names,
            "missed": sorted(
                truth - {_pair(c.a.raw_id, c.b.raw_id) for c in kept},
            )[:10],
            "contact_pairs_at_0.75": sum(1 for c in contact_pairs if c.score >= 0.75),
            "timing": timings,
            "repeats": repeats,
        }
    finally:
        await graph.close()


async def _names(graph: Graph, pairs: list[duplicates.Candidate]) -> list[dict[str, Any]]:
    out = []
    for c in pairs:
        rows = await graph.read(
            "UNWIND $ids AS id MATCH (n:Customer {id: id}) "
            "RETURN n.externalId AS externalId, n.name AS name, n.email AS email, "
            "n.phone AS phone, n.city AS city",
            {"ids": [c.a.raw_id, c.b.raw_id]},
        )
        out.append({"score": c.score, "reasons": [r.value for r in c.reasons], "records": rows})
    return out


def _markdown(r: dict[str, Any]) -> str:
    lines = [
        f"# Duplicate detection — {r['customers']:,} customers, seed {r['seed']}",
        "",
        f"Run {r['generated_at']} on this machine (2 cores, shared). "
        f"{r['nodes']['customers']:,} customers and {r['nodes']['contacts']:,} contacts; "
        f"{r['planted_pairs']} planted near-duplicate customer pairs (ground truth from "
        "`rapport.seed.planted_duplicates`); two duplicates of one original are duplicates of "
        f"each other too, so the truth is the {r['true_pairs']} pairs within those clusters.",
        "",
        f"**At the default minScore 0.75: precision {r['precision']}, recall {r['recall']}.**",
        "",
        "| minScore | reported | true pos. | false pos. | missed | precision | recall |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t, m in r["by_threshold"].items():
        lines.append(
            f"| {t} | {m['reported']} | {m['true_positives']} | {m['false_positives']} | "
            f"{m['false_negatives']} | {m['precision']} | {m['recall']} |"
        )
    lines += [
        "",
        f"False positives at 0.75 by reasons: {r['false_positive_reasons'] or 'none'}.",
        f"Contact pairs reported at 0.75 (no ground truth for contacts): "
        f"{r['contact_pairs_at_0.75']}.",
        "",
        f"Timing (median of {r['repeats']} runs): blocking statement + scoring in Python.",
        "",
        "| records | blocks | members | largest | pairs scored | statement s | scoring s "
        "| total s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, t in r["timing"].items():
        lines.append(
            f"| {name} | {t['blocks']} | {t['block_members']} | {t['largest_block']} | "
            f"{t['pairs_scored']} | {t['statement_s']} | {t['scoring_s']} | {t['total_s']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.duplicates", description=__doc__)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="seed a new database")
    parser.add_argument("--port", type=int, default=0, help="Bolt port (default: a free one)")
    parser.add_argument("--keep-running", action="store_true", help="leave Neo4j running")
    args = parser.parse_args()
    config = _neo4j(args.customers, args.seed, args.fresh, args.port)
    try:
        report = asyncio.run(measure(config.uri, args.customers, args.seed, args.repeats))
    finally:
        if not args.keep_running:
            stop(config)
    report["generated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    RESULTS.mkdir(exist_ok=True)
    stem = f"duplicates-{args.customers}-seed{args.seed}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (RESULTS / f"{stem}.md").write_text(_markdown(report))
    print(_markdown(report))


if __name__ == "__main__":
    main()
