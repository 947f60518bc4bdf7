"""Idempotency keys of create mutations (resolvers/writes/_idempotency.py).

`(:IdempotencyKey {scope, claim, action, requestHash, createdAt, targetType, targetId})`, unique
on `scope` (the viewer's user id and the client's key). MERGE on the constrained property makes
concurrent requests with one key queue: the first one's transaction creates the node, the
others wait for it to commit (then find it: a replay) or roll back (then one of them claims it).
"""

from __future__ import annotations

#: claim the key, or find who did: `fresh` is true only for the transaction that created it
CLAIM = (
    "MERGE (k:IdempotencyKey {scope: $scope}) "
    "ON CREATE SET k.claim = $claim, k.action = $action, k.requestHash = $hash, k.createdAt = $at "
    "RETURN k.claim = $claim AS fresh, k.action AS action, k.requestHash AS requestHash, "
    "k.targetType AS targetType, k.targetId AS targetId"
)

#: the record this key's request created (or changed), for replays
BIND = (
    "MATCH (k:IdempotencyKey {scope: $scope}) "
    "SET k.targetType = $type, k.targetId = $id RETURN k.scope AS scope"
)
