"""REFERRED: who brought whom. A customer is referred at most once; the graph has no cycles."""

from __future__ import annotations

from graphdb.writes.nodes import label

#: who referred customer `$referredId`, if anyone
REFERRER_OF = (
    "MATCH (:Customer {id: $referredId})<-[:REFERRED]-(r) WHERE r:Customer OR r:Contact "
    "RETURN r.id AS id LIMIT 1"
)

#: true when `$referredId` already is upstream of `$referrerId` (the new edge would close a loop).
#: Each customer has at most one incoming REFERRED, so walking up from the referrer is a chain.
REFERRAL_CYCLE = (
    "RETURN EXISTS { (:Customer {id: $referrerId})<-[:REFERRED*1..]-(:Customer {id: $referredId}) }"
    " AS cycle"
)


def create_referral(referrer_type: str) -> str:
    """A REFERRED from the Customer or Contact `$referrerId` to customer `$referredId`."""
    if referrer_type not in ("Customer", "Contact"):
        raise ValueError(f"a {referrer_type} cannot refer anyone")
    return (
        f"MATCH (r:{label(referrer_type)} {{id: $referrerId}}), (c:Customer {{id: $referredId}}) "
        "CREATE (r)-[e:REFERRED]->(c) SET e = $props"
    )
