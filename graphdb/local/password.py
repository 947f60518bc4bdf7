"""Changing the Neo4j password of the connected user (the local Neo4j's `neo4j`, or any)."""

from __future__ import annotations

from neo4j import AsyncGraphDatabase
from neo4j.exceptions import AuthError, ClientError, ServiceUnavailable

from graphdb.local.launcher import LocalNeo4jError

MIN_PASSWORD_LENGTH = 8  # Neo4j's own minimum (dbms.security.auth_minimum_password_length)


async def set_password(uri: str, user: str, current: str, new: str) -> None:
    """`ALTER CURRENT USER SET PASSWORD` on the system database, as `user`."""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise LocalNeo4jError(
            f"The new password has {len(new)} characters; Neo4j needs at least "
            f"{MIN_PASSWORD_LENGTH}."
        )
    if new == current:
        raise LocalNeo4jError("The new password is the current one; nothing to change.")
    driver = AsyncGraphDatabase.driver(uri, auth=(user, current))
    try:
        async with driver.session(database="system") as session:
            result = await session.run(
                "ALTER CURRENT USER SET PASSWORD FROM $current TO $new",
                {"current": current, "new": new},
            )
            await result.consume()
    except AuthError as exc:
        raise LocalNeo4jError(
            f"Neo4j at {uri} refused the current password (NEO4J_PASSWORD) for {user!r}: "
            "nothing was changed."
        ) from exc
    except ServiceUnavailable as exc:
        raise LocalNeo4jError(f"Neo4j at {uri} is unreachable: nothing was changed.") from exc
    except ClientError as exc:
        raise LocalNeo4jError(f"Neo4j refused the new password: {exc.message}") from exc
    finally:
        await driver.close()
