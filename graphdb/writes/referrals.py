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
        "CREATE (r)-[e:REFERRED]->(c) SET e = $props"
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
