"""The statements of authentication: users by e-mail, API keys (created, listed, revoked,
verified) and JWT auto-provisioning. Keys are stored only as salted hashes
(rapport/auth/keys.py)."""

from __future__ import annotations

FIND_USER = "MATCH (u:User {email: $email}) RETURN u.id AS id, u.name AS name, u.role AS role"

CREATE_KEY = """
MERGE (u:User {email: $email})
ON CREATE SET u.id = $userId, u.name = $userName, u.role = $role,
              u.createdAt = datetime(), u.updatedAt = datetime(), u.version = 1
WITH u
CREATE (k:ApiKey {id: $keyId, name: $keyName, prefix: $prefix, hash: $hash,
                  createdAt: datetime()})
CREATE (u)-[:HAS_KEY]->(k)
RETURN u.id AS userId, u.role AS role, u.id = $userId AS created
"""

LIST_KEYS = """
MATCH (u:User)-[:HAS_KEY]->(k:ApiKey)
WHERE $email IS NULL OR u.email = $email
RETURN k.id AS id, k.prefix AS prefix, k.name AS name, u.email AS email, u.role AS role,
       k.createdAt AS createdAt, k.lastUsedAt AS lastUsedAt, k.revokedAt AS revokedAt
ORDER BY k.createdAt, k.prefix
"""

REVOKE_KEY = """
MATCH (u:User)-[:HAS_KEY]->(k:ApiKey {prefix: $prefix})
SET k.revokedAt = coalesce(k.revokedAt, datetime())
RETURN k.id AS id, k.prefix AS prefix, k.name AS name, u.email AS email, u.role AS role,
       k.createdAt AS createdAt, k.lastUsedAt AS lastUsedAt, k.revokedAt AS revokedAt
"""

FIND_KEY = """
MATCH (u:User)-[:HAS_KEY]->(k:ApiKey {prefix: $prefix})
RETURN k.id AS keyId, k.hash AS hash, k.revokedAt IS NOT NULL AS revoked,
       u.id AS userId, u.email AS email, u.name AS name, u.role AS role
"""

ENSURE_KEY = """
MERGE (u:User {email: $email})
ON CREATE SET u.id = $userId, u.name = $userName, u.createdAt = datetime(),
              u.updatedAt = datetime(), u.version = 1
SET u.role = $role
MERGE (k:ApiKey {prefix: $prefix})
ON CREATE SET k.id = $keyId, k.name = $keyName, k.createdAt = datetime()
SET k.hash = $hash, k.revokedAt = null
MERGE (u)-[:HAS_KEY]->(k)
RETURN u.id AS userId, k.id AS keyId
"""
MARK_KEYS_USED = "UNWIND $ids AS id MATCH (k:ApiKey {id: id}) SET k.lastUsedAt = datetime()"
ACTIVE_ADMIN_KEY = (
    "MATCH (u:User {role: 'ADMIN'})-[:HAS_KEY]->(k:ApiKey) WHERE k.revokedAt IS NULL "
    "RETURN count(k) > 0 AS found"
)
#: A JWT's user, created on first sign-in when auto-provisioning is on.
PROVISION_USER = (
    "MERGE (u:User {email: $email}) "
    "ON CREATE SET u.id = $id, u.name = $name, u.role = $role, u.createdAt = datetime(), "
    "u.updatedAt = datetime(), u.version = 1 "
    "RETURN u.id AS id, u.name AS name, u.role AS role"
)
