"""Cypher of a referral import (row by row, as recordReferral): both ends and the current
referral, an update of its date, channel and note, or a new REFERRED."""

from __future__ import annotations

from graphdb.writes import referrals as referral_cypher

#: the referrer (`$referrerType` Customer by externalId, Contact by e-mail) and the referred
#: customer `$referred`, with the referral it already has, if any
FIND_ENDS = (
    "OPTIONAL MATCH (a:Customer {externalId: $referrer}) WHERE $referrerType = 'Customer' "
    "WITH a OPTIONAL MATCH (b:Contact {email: $referrer}) WHERE $referrerType = 'Contact' "
    "WITH a, min(b.id) AS contactId WITH coalesce(a.id, contactId) AS referrerId "
    "OPTIONAL MATCH (c:Customer {externalId: $referred}) "
    "OPTIONAL MATCH (c)<-[e:REFERRED]-(x) WHERE x:Customer OR x:Contact "
    "RETURN referrerId, c.id AS referredId, x.id AS currentReferrer, "
    "e.referredAt AS referredAt, e.channel AS channel, e.note AS note"
)

#: set the date, channel and note of the referral `$referrerId` → `$referredId`
UPDATE = (
    "MATCH (:Customer {id: $referredId})<-[e:REFERRED]-(x {id: $referrerId}) "
    "SET e.referredAt = datetime($props.referredAt), e.channel = $props.channel, "
    "e.note = $props.note"
)


def create_referral(referrer_type: str) -> str:
    """recordReferral's REFERRED (graphdb/writes/referrals.py), with `$props.referredAt` as ISO
    text parsed here and `createdAt` at `$now`."""
    return referral_cypher.create_referral(referrer_type).replace(
        "SET e = $props",
        "SET e = $props, e.referredAt = datetime($props.referredAt), e.createdAt = datetime($now)",
    )
