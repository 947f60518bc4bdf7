"""How the server hands out the explorer's build (rapport/explorer.py), checked in-process.

The browser tests (tests/test_explorer_browser.py) use the real build; these use a fake one in a
temporary directory, to pin the routes' edges: deep links, cache headers, path escapes, a
missing build, and that the page itself needs no token while the API still does.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from rapport import explorer

PAGE = (
    '<!doctype html><html><head><script type="module" src="/app/assets/index-abc.js"></script>'
    "</head><body><div id=root></div></body></html>"
)


@pytest.fixture
def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(PAGE, encoding="utf-8")
    (dist / "assets" / "index-abc.js").write_text("console.log('app')", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("not for you", encoding="utf-8")
    monkeypatch.setattr(explorer, "DIST_DIR", dist)
    return dist


def _client() -> httpx.AsyncClient:
    app = Starlette(routes=explorer.explorer_routes())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rapport.test")


async def test_every_app_path_serves_the_page_so_deep_links_work(build: Path) -> None:
    async with _client() as client:
        for path in ("/app", "/app/", "/app/customers/Q3VzdG9tZXI6eA", "/app/introduce?to=x"):
            response = await client.get(path)
            assert response.status_code == 200, path
            assert response.text == PAGE
            assert response.headers["content-type"].startswith("text/html")
            assert response.headers["cache-control"] == "no-cache"


async def test_the_page_policy_allows_only_this_server_and_cytoscapes_stylesheet(
    build: Path,
) -> None:
    async with _client() as client:
        policy = (await client.get("/app")).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["style-src"] == "'self' 'sha256-pgvDUBa4IjFA2yuSJ2cqcyxmNYJMborsd0ORcRv9vw8='"
    assert "unsafe" not in policy


async def test_assets_are_cached_for_a_year_with_their_type(build: Path) -> None:
    async with _client() as client:
        response = await client.get("/app/assets/index-abc.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_unknown_or_escaping_asset_names_are_404_never_the_page_or_a_file(
    build: Path,
) -> None:
    async with _client() as client:
        for name in ("nope.js", "..%2Fsecret.txt", "..%2F..%2Fsecret.txt", "%2Fetc%2Fpasswd"):
            response = await client.get(f"/app/assets/{name}")
            assert response.status_code == 404, name
            assert "not for you" not in response.text
            assert response.text != PAGE


async def test_a_missing_build_says_how_to_make_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(explorer, "DIST_DIR", tmp_path / "never-built")
    async with _client() as client:
        page = await client.get("/app/customers/x")
        asset = await client.get("/app/assets/index-abc.js")
    for response in (page, asset):
        assert response.status_code == 503
        assert "make setup" in response.text


async def test_the_page_needs_no_token_but_the_api_still_does(live_server_url: str) -> None:
    async with httpx.AsyncClient(base_url=live_server_url, timeout=30) as client:
        page = await client.get("/app/companies/whatever")
        api = await client.post("/graphql", json={"query": "{ apiVersion }"})
        other = await client.get("/application")
    assert page.status_code in (200, 503)  # 503 only when web/ was never built
    assert api.status_code == 401
    assert other.status_code == 401  # only /app and /app/… are public, not every /app* path
