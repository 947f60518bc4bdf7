"""Rapport side by side with @neo4j/graphql on Apollo Server (`make bench-peer`, issue 16).

`server.mjs` is the peer (Node, npm dependencies pinned in package.json / package-lock.json);
`__main__.py` is the harness that starts both on one seeded Neo4j, checks their answers equal
and times them in interleaved rounds.
"""
