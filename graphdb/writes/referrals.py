"""REFERRED: who brought whom. A customer is referred at most once; the graph has no cycles.

Since a customer has at most one referrer, the REFERRED graph is a forest: each tree has one
root, the customer or contact at the top that nobody referred. A new edge `referrer → referred`
needs `referred` to be unreferred (a root itself), and closes a cycle exactly when `referred` is
the root of the referrer's tree. So two writers can only break the rules together when they
touch the same trees, and then they share a root: each writer write-locks the roots of the trees
it touches (`LOCK_ROOTS`), then reads them again in a following statement (`ROOTS`); a root that
gained a referrer meanwhile is followed up to the new root and locked too. Writers on unrelated
trees never wait for each other.
"""

from __future__ import annotations

from graphdb.writes.nodes import label

#: true when `$referredId` already is upstream of `$referrerId` (the new edge would close a loop).
#: Each customer has at most one incoming REFERRED, so walking up from the referrer is a chain.
REFERRAL_CYCLE = (
    "RETURN EXISTS { (:Customer {id: $referrerId})<-[:REFERRED*1..]-(:Customer {id: $referredId}) }"
    " AS cycle"
)


def _referrer(referrer_type: str) -> str:
    """The label of a referrer: only customers and contacts refer anyone."""
    if referrer_type not in ("Customer", "Contact"):
        raise ValueError(f"a {referrer_type} cannot refer anyone")
    return label(referrer_type)


def create_referral(referrer_type: str) -> str:
    """A REFERRED from the Customer or Contact `$referrerId` to customer `$referredId`."""
    return (
        f"MATCH (r:{_referrer(referrer_type)} {{id: $referrerId}}), "
        "(c:Customer {id: $referredId}) "
        "CREATE (r)-[e:REFERRED]->(c) SET e = $props "
        # everyone upstream of the referred customer gains its tree (the roots are locked)
        f"WITH c {upstream_networks('c')}"
    )


def _roots(key: str) -> str:
    if key not in ("id", "externalId"):
        raise ValueError(f"customers are not found by {key}")
    return (
        f"UNWIND $values AS value MATCH (c:Customer {{{key}: value}}) "
        "MATCH (root)-[:REFERRED*0..]->(c) WHERE NOT EXISTS { ()-[:REFERRED]->(root) } "
        "WITH DISTINCT root ORDER BY root.id "
    )


def lock_roots(key: str) -> str:
    """Write-lock the roots of the referral trees of the customers whose `key` is in `$values`
    (in id order, to keep deadlocks rare); returns their ids as `roots`."""
    return _roots(key) + "SET root._lock = true REMOVE root._lock RETURN collect(root.id) AS roots"


def roots(key: str) -> str:
    """The ids of the roots of those trees now, as `roots` (run after `lock_roots`)."""
    return _roots(key) + "RETURN collect(root.id) AS roots"


def check(referrer_type: str) -> str:
    """Both ends exist, whether `$referredId` already has a referrer, and whether the new edge
    would close a loop (`$referredId` already upstream of the referrer)."""
    return (
        f"OPTIONAL MATCH (r:{_referrer(referrer_type)} {{id: $referrerId}}) "
        "OPTIONAL MATCH (c:Customer {id: $referredId}) "
        "RETURN r IS NOT NULL AS referrerFound, c IS NOT NULL AS referredFound, "
        "EXISTS { (c)<-[:REFERRED]-(x) WHERE x:Customer OR x:Contact } AS referred, "
        "EXISTS { (r)<-[:REFERRED*1..]-(c) } AS cycle"
    )


#: The stored downstream network of a referrer: what topReferrers ranks by. `downstreamSize`
#: is how many customers it brought in directly or through others, `downstreamDepth` the
#: longest referral path down, `downstreamRevenue` the sum of those customers' `totalSpent`;
#: all three are absent on a node that referred nobody, so their range indexes hold referrers
#: only.
NETWORK_PROPS = ("downstreamSize", "downstreamDepth", "downstreamRevenue")

#: The network of referrer `a` from scratch (the definition `NETWORKS` stores, and what a
#: consistency check compares the stored values with).
NETWORK_OF_A = (
    "CALL (a) { OPTIONAL MATCH p = (a)-[:REFERRED*1..]->(m:Customer) "
    "RETURN count(DISTINCT m) AS size, max(length(p)) AS depth, "
    "coalesce(sum(m.totalSpent), 0) AS revenue } "
)


def _store_network(up: str) -> str:
    return (
        f"{up}WITH DISTINCT a "
        f"{NETWORK_OF_A}"
        "WITH a, CASE WHEN size > 0 THEN size END AS size, "
        "CASE WHEN size > 0 THEN depth END AS depth, "
        "CASE WHEN size > 0 THEN revenue END AS revenue "
        "WHERE (a.downstreamSize IS NULL) <> (size IS NULL) OR a.downstreamSize <> size "
        "OR a.downstreamDepth <> depth OR a.downstreamRevenue <> revenue "
        "SET a.downstreamSize = size, a.downstreamDepth = depth, a.downstreamRevenue = revenue"
    )


def upstream_networks(var: str) -> str:
    """A clause recomputing the stored networks of node `var` and of everyone upstream of it:
    appended to a write that changed its tree or a `totalSpent` in it (rows pass through).

    The tree's root must be locked first (`lock_trees`): the root lock orders every writer of
    one tree, so each recomputation reads what the writers before it committed. Unchanged
    values are not written."""
    if not var.isidentifier():
        raise ValueError(f"not a variable: {var!r}")
    return (
        f"CALL ({var}) {{ "
        + _store_network(f"MATCH (a)-[:REFERRED*0..]->({var}) WHERE a:Customer OR a:Contact ")
        + " } "
    )


_BY_ID = (
    "UNWIND $ids AS nid "
    "CALL (nid) { MATCH (n:Customer {id: nid}) RETURN n "
    "UNION MATCH (n:Contact {id: nid}) RETURN n } "
)


def networks(*, upstream: bool = True) -> str:
    """Recompute the stored networks of the customers or contacts `$ids` and (with `upstream`)
    of everyone upstream of them; see `upstream_networks` (which this is, by id)."""
    if upstream:
        return _BY_ID + upstream_networks("n")
    return _BY_ID + _store_network("WITH n AS a ")


NETWORKS = networks()

#: the ids of every customer or contact that referred someone (for a backfill)
REFERRERS = (
    "MATCH (r)-[:REFERRED]->(:Customer) WHERE r:Customer OR r:Contact "
    "RETURN collect(DISTINCT r.id) AS ids"
)

#: The ids of the customers and contacts upstream of customers `$ids` (themselves included):
#: read before a write that may cut them off (a merge), to recompute them afterwards.
UPSTREAM = (
    "UNWIND $ids AS cid MATCH (a)-[:REFERRED*0..]->(:Customer {id: cid}) "
    "WHERE a:Customer OR a:Contact RETURN collect(DISTINCT a.id) AS ids"
)
