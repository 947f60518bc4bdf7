"""Authentication: every request but health, readiness and the playground page needs a token.

API keys (`rpk_…`) and JWTs are both `Authorization: Bearer …`; a missing or bad one is a 401
with a JSON body saying what is wrong, the request id, and `WWW-Authenticate: Bearer`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import websockets
from cryptography.hazmat.primitives.asymmetric import rsa

from core.settings import Settings
from graphdb.driver import Graph
from rapport.auth import keys
from rapport.auth.bootstrap import ADMIN_EMAIL as BOOTSTRAP_EMAIL
from rapport.auth.bootstrap import bootstrap_admin
from tests._apps import app_client
from tests.conftest import (
    ADMIN_TOKEN,
    JWT_AUDIENCE,
    JWT_ISSUER,
    JWT_SECRET,
    MakeToken,
    public_pem,
)

TYPENAME = {"query": "{ __typename }"}


def assert_401(response: httpx.Response, *fragments: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["requestId"] == response.headers["x-request-id"]
    for fragment in fragments:
        assert fragment in body["error"], body["error"]


async def post_with(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/graphql", json=TYPENAME, headers={"Authorization": f"Bearer {token}"}
    )


# --- what needs a token -----------------------------------------------------------------------


async def test_a_request_without_a_token_is_401_and_says_how_to_authenticate(
    anonymous_client: httpx.AsyncClient,
) -> None:
    response = await anonymous_client.post("/graphql", json=TYPENAME)
    assert_401(response, "Authorization: Bearer <token>")
    assert "error=" not in response.headers["www-authenticate"]  # nothing was presented


async def test_a_query_in_the_url_is_not_the_playground_page_and_needs_a_token(
    anonymous_client: httpx.AsyncClient,
) -> None:
    response = await anonymous_client.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Accept": "text/html"}
    )
    assert_401(response)


async def test_another_scheme_than_bearer_is_401(anonymous_client: httpx.AsyncClient) -> None:
    response = await anonymous_client.post(
        "/graphql", json=TYPENAME, headers={"Authorization": "Basic YWRtaW46YWRtaW4="}
    )
    assert_401(response, "Bearer scheme")


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("rpk_garbage", "malformed"),
        (keys.generate_token()[0], "Invalid API key."),  # well-formed, never issued
        (ADMIN_TOKEN[:-2] + ("AA" if not ADMIN_TOKEN.endswith("AA") else "BB"), "Invalid API key."),
        ("not-a-key-nor-a-jwt", "Invalid JWT: malformed token"),
    ],
    ids=["malformed-key", "unknown-key", "wrong-secret", "garbage"],
)
async def test_a_bad_token_is_401_invalid_token(
    anonymous_client: httpx.AsyncClient, token: str, message: str
) -> None:
    response = await post_with(anonymous_client, token)
    assert_401(response, message)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_a_revoked_key_is_401(
    anonymous_client: httpx.AsyncClient, graph: Graph, make_token: MakeToken
) -> None:
    token = await make_token("SALES")
    revoked = await keys.revoke_api_key(graph, token)
    assert revoked is not None and revoked.revoked_at is not None

    assert_401(await post_with(anonymous_client, token), "has been revoked")


@pytest.mark.parametrize("role", ["ADMIN", "MANAGER", "SALES", "ANALYST"])
async def test_a_valid_key_of_any_role_is_accepted(
    anonymous_client: httpx.AsyncClient, make_token: MakeToken, role: str
) -> None:
    response = await post_with(anonymous_client, await make_token(role))
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"__typename": "Query"}


async def test_health_readiness_playground_page_and_assets_need_no_token(
    anonymous_client: httpx.AsyncClient,
) -> None:
    assert (await anonymous_client.get("/healthz")).status_code == 200
    assert (await anonymous_client.get("/readyz")).status_code == 200
    page = await anonymous_client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    asset = await anonymous_client.get("/playground/assets/graphiql.min.css")
    assert asset.status_code == 200


# --- API keys: storage, listing, last use, bootstrap --------------------------------------------


async def test_keys_are_stored_hashed_and_listed_without_secrets(
    graph: Graph, make_token: MakeToken
) -> None:
    token = await make_token("ANALYST", email="ann@rapport.test", name="reporting")
    prefix, secret = keys.parse_token(token) or ("", "")

    stored = await graph.read(
        "MATCH (k:ApiKey {prefix: $p}) RETURN properties(k) AS k", {"p": prefix}
    )
    assert secret not in json.dumps(stored, default=str)
    assert stored[0]["k"]["hash"].startswith("sha256$")

    listed = await keys.list_api_keys(graph, "ann@rapport.test")
    assert [(k.prefix, k.name, k.role, k.revoked_at) for k in listed] == [
        (prefix, "reporting", "ANALYST", None)
    ]


async def test_a_key_for_an_existing_user_must_not_change_its_role(
    graph: Graph, make_token: MakeToken
) -> None:
    await make_token("SALES", email="sam@rapport.test")
    with pytest.raises(keys.ApiKeyError, match="exists with role SALES"):
        await keys.create_api_key(graph, email="sam@rapport.test", role="ADMIN", name="escalate")


async def test_last_use_is_recorded_in_the_background_at_most_once_per_interval(
    settings: Settings, graph: Graph, make_token: MakeToken
) -> None:
    token = await make_token("MANAGER")
    prefix = token.split("_")[1]
    last_used = "MATCH (k:ApiKey {prefix: $p}) RETURN k.lastUsedAt AS at"
    async with app_client(settings, token=token, key_last_used_interval_s=60) as (client, app):
        assert (await client.post("/graphql", json=TYPENAME)).status_code == 200
        await app.state.authenticator.drain()
        first = (await graph.read(last_used, {"p": prefix}))[0]["at"]
        assert first is not None

        assert (await client.post("/graphql", json=TYPENAME)).status_code == 200
        await app.state.authenticator.drain()
        assert (await graph.read(last_used, {"p": prefix}))[0]["at"] == first


async def test_bootstrap_creates_one_admin_key_and_reuses_it(graph: Graph, tmp_path: Path) -> None:
    await graph.write("MATCH (u:User {role: 'ADMIN'}) DETACH DELETE u")  # no admin key exists
    token_file = tmp_path / "admin-token"

    first = await bootstrap_admin(graph, token_file)
    again = await bootstrap_admin(graph, token_file)

    assert first.created and not again.created
    assert first.token == again.token == token_file.read_text().strip()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert first.header == json.dumps({"Authorization": f"Bearer {first.token}"})
    rows = await graph.read(
        "MATCH (u:User {email: $e})-[:HAS_KEY]->(k:ApiKey) RETURN u.role AS role, count(k) AS n",
        {"e": BOOTSTRAP_EMAIL},
    )
    assert rows == [{"role": "ADMIN", "n": 1}]


# --- JWT ---------------------------------------------------------------------------------------


@pytest.fixture
async def jwt_user(graph: Graph) -> str:
    email = "jules@rapport.test"
    await graph.write(
        "CREATE (:User {id: randomUUID(), email: $e, name: 'Jules', role: 'SALES', "
        "createdAt: datetime(), updatedAt: datetime(), version: 1})",
        {"e": email},
    )
    return email


def claims(email: str, /, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "idp|jules",
        "email": email,
        "iss": JWT_ISSUER,
        "aud": JWT_AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def hs256(payload: dict[str, Any], secret: str = JWT_SECRET) -> str:
    return jwt.encode(payload, secret, algorithm="HS256")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], payload: dict[str, Any], key: bytes | None) -> str:
    """A token built by hand, as an attacker would (PyJWT refuses to make these)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest() if key else b""
    return f"{signing_input}.{_b64(signature)}"


async def test_a_valid_hs256_jwt_is_accepted(
    anonymous_client: httpx.AsyncClient, jwt_user: str
) -> None:
    response = await post_with(anonymous_client, hs256(claims(jwt_user)))
    assert response.status_code == 200, response.text


async def test_a_valid_rs256_jwt_is_accepted(
    anonymous_client: httpx.AsyncClient, jwt_user: str, jwt_rsa_private_key: rsa.RSAPrivateKey
) -> None:
    token = jwt.encode(claims(jwt_user), jwt_rsa_private_key, algorithm="RS256")
    assert (await post_with(anonymous_client, token)).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"exp": int(time.time()) - 3600}, "token has expired"),
        ({"nbf": int(time.time()) + 3600}, "not valid yet"),
        ({"iss": "https://evil.example/"}, "wrong issuer"),
        ({"aud": "someone-else"}, "wrong audience"),
        ({"exp": None}, "lacks the 'exp' claim"),
        ({"role": "ROOT"}, "must be one of"),
        ({"email": "nobody@rapport.test"}, "No Rapport user"),
    ],
    ids=["expired", "nbf-in-future", "wrong-iss", "wrong-aud", "no-exp", "bad-role", "unknown"],
)
async def test_an_unacceptable_jwt_is_401_with_the_reason(
    anonymous_client: httpx.AsyncClient, jwt_user: str, overrides: dict[str, Any], message: str
) -> None:
    assert_401(await post_with(anonymous_client, hs256(claims(jwt_user, **overrides))), message)


async def test_a_jwt_signed_with_another_secret_is_401(
    anonymous_client: httpx.AsyncClient, jwt_user: str
) -> None:
    token = hs256(claims(jwt_user), secret="another-secret-that-is-long-enough-0123456789")
    assert_401(await post_with(anonymous_client, token), "signature")


async def test_alg_none_is_401(anonymous_client: httpx.AsyncClient, jwt_user: str) -> None:
    token = forge({"alg": "none", "typ": "JWT"}, claims(jwt_user, role="ADMIN"), key=None)
    assert_401(await post_with(anonymous_client, token), "algorithm 'none' is not accepted")


async def test_hs256_signed_with_the_rsa_public_key_is_401(
    anonymous_client: httpx.AsyncClient, jwt_user: str, jwt_rsa_private_key: rsa.RSAPrivateKey
) -> None:
    """Algorithm confusion: the public key is public, so it must never work as an HMAC secret."""
    pem = public_pem(jwt_rsa_private_key).encode()
    token = forge({"alg": "HS256", "typ": "JWT"}, claims(jwt_user, role="ADMIN"), key=pem)
    assert_401(await post_with(anonymous_client, token), "signature")


async def test_confusion_fails_too_when_only_a_public_key_is_configured(
    settings: Settings, jwt_user: str, jwt_rsa_private_key: rsa.RSAPrivateKey
) -> None:
    pem = public_pem(jwt_rsa_private_key).encode()
    token = forge({"alg": "HS256", "typ": "JWT"}, claims(jwt_user), key=pem)
    async with app_client(settings, token=token, jwt_secret=None) as (client, _):
        assert_401(await client.post("/graphql", json=TYPENAME), "'HS256' is not accepted")


async def test_the_role_claim_must_be_a_role_and_is_authoritative(
    anonymous_client: httpx.AsyncClient, jwt_user: str
) -> None:
    response = await post_with(anonymous_client, hs256(claims(jwt_user, role="ANALYST")))
    assert response.status_code == 200


@pytest.mark.parametrize("spelling", ["admin", "Admin", " ADMIN", "ADMIN "])
async def test_a_role_claim_is_exact_so_admin_in_lower_case_is_refused(
    anonymous_client: httpx.AsyncClient, jwt_user: str, spelling: str
) -> None:
    response = await post_with(anonymous_client, hs256(claims(jwt_user, role=spelling)))
    assert_401(response, "must be one of ADMIN, MANAGER, SALES, ANALYST")


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
async def test_a_time_claim_written_as_a_string_is_refused(
    anonymous_client: httpx.AsyncClient, jwt_user: str, claim: str
) -> None:
    now = int(time.time())
    value = str(now + 300 if claim == "exp" else now)
    response = await post_with(anonymous_client, hs256(claims(jwt_user, **{claim: value})))
    assert_401(response, f"the '{claim}' claim must be a number")


async def test_auto_provisioning_creates_the_user_with_the_role_claim(
    settings: Settings, graph: Graph
) -> None:
    token = hs256(claims("new.hire@rapport.test", role="ANALYST", name="New Hire"))
    async with app_client(settings, token=token, jwt_auto_provision=True) as (client, _):
        assert (await client.post("/graphql", json=TYPENAME)).status_code == 200
    rows = await graph.read(
        "MATCH (u:User {email: 'new.hire@rapport.test'}) RETURN u.role AS role, u.name AS name"
    )
    assert rows == [{"role": "ANALYST", "name": "New Hire"}]


# --- WebSocket subscriptions -------------------------------------------------------------------

HEARTBEAT = {"query": "subscription { heartbeat(count: 1) }"}


async def _subscribe(url: str, init_payload: dict[str, Any] | None) -> list[dict[str, Any]]:
    ws_url = url.replace("http://", "ws://") + "/graphql"
    messages: list[dict[str, Any]] = []
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": init_payload}))
        messages.append(json.loads(await ws.recv()))
        if messages[-1]["type"] == "connection_ack":
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": HEARTBEAT}))
            while messages[-1]["type"] != "complete":
                messages.append(json.loads(await ws.recv()))
    return messages


@pytest.mark.parametrize(
    "payload",
    [{"Authorization": f"Bearer {ADMIN_TOKEN}"}, {"authToken": ADMIN_TOKEN}],
    ids=["authorization-header", "authToken"],
)
async def test_a_subscription_authenticates_in_connection_init(
    live_server_url: str, graph: Graph, payload: dict[str, Any]
) -> None:
    messages = await _subscribe(live_server_url, payload)
    assert [m["type"] for m in messages] == ["connection_ack", "next", "complete"]
    assert messages[1]["payload"]["data"]["heartbeat"]


@pytest.mark.parametrize(
    "payload", [{}, {"Authorization": "Bearer rpk_garbage"}], ids=["none", "bad-token"]
)
async def test_a_subscription_without_valid_credentials_is_closed_with_4403(
    live_server_url: str, graph: Graph, payload: dict[str, Any]
) -> None:
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await _subscribe(live_server_url, payload)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
