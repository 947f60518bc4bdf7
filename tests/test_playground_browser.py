"""The GraphiQL playground renders in a real browser with no internet access.

The playground exists so that people on air-gapped networks can explore the API,
so the browser tests run Debian's headless Chromium with every hostname except
the loopback address forced to fail DNS: if the page still needed a CDN, GraphiQL
would never mount and the editor markup would be missing from the DOM.

``live_server_url`` comes from ``tests/conftest.py``: a real uvicorn serving the
full app on a free port.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from starlette.applications import Starlette

from rapport import playground
from tests.conftest import ADMIN_TOKEN

CHROMIUM_TIMEOUT_S = 120

# Everything but loopback resolves to nothing, so any CDN request fails fast.
# `localhost` is excluded too in case a conftest ever hands out that spelling.
NO_INTERNET_RULES = "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"

EXPECTED_PAGE_ASSETS = {
    "react.production.min.js",
    "react-dom.production.min.js",
    "graphiql.min.js",
    "graphiql.min.css",
}


def _chromium_or_skip() -> str:
    """Path to Chromium; without it, fail on CI and skip (loudly) elsewhere.

    CI must not go green by silently skipping the only test that proves the
    playground works offline, but a developer without Chromium should still be
    able to run the rest of the suite.
    """
    candidates = ["/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    message = (
        "Headless Chromium not found (looked for /usr/bin/chromium and `chromium` on PATH). "
        "Install it with `apt-get install -y chromium`."
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs the browser tests: {message}", pytrace=False)
    pytest.skip(f"!!! PLAYGROUND BROWSER TEST SKIPPED !!! {message}")


def _run_chromium(profile_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium offline with a throwaway profile and return its output.

    Chromium is started in its own process group so that on a timeout the whole
    tree (browser, renderer, GPU and utility processes) is killed, not just the
    launcher script.
    """
    command = [
        _chromium_or_skip(),
        "--headless",
        "--no-sandbox",  # we run as root in containers/CI, where the sandbox refuses to start
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",  # small /dev/shm in containers crashes the renderer
        "--hide-scrollbars",
        f"--user-data-dir={profile_dir}",
        f"--host-resolver-rules={NO_INTERNET_RULES}",
        *args,
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=CHROMIUM_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail(
            f"Chromium did not finish within {CHROMIUM_TIMEOUT_S}s.\nstderr tail:\n{stderr[-3000:]}"
        )
    return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)


def _has_class(dom: str, css_class: str) -> bool:
    return re.search(rf'class="[^"]*\b{re.escape(css_class)}\b[^"]*"', dom) is not None


@pytest.mark.browser
def test_graphiql_renders_without_internet(live_server_url: str, tmp_path: Path) -> None:
    result = _run_chromium(
        tmp_path / "profile",
        "--dump-dom",
        "--virtual-time-budget=15000",
        f"{live_server_url}/graphql",
    )
    dom = result.stdout
    diagnostics = f"exit={result.returncode}\nstderr tail:\n{result.stderr[-3000:]}"

    assert result.returncode == 0, diagnostics
    assert "<title>Rapport — GraphQL playground</title>" in dom, diagnostics
    assert _has_class(dom, "graphiql-container"), f"GraphiQL never mounted.\n{diagnostics}"
    assert _has_class(dom, "graphiql-query-editor"), "query editor missing"
    assert _has_class(dom, "CodeMirror"), "CodeMirror editor missing"
    # React replaced the server-rendered placeholder, i.e. the app actually ran.
    assert 'class="rapport-loading"' not in dom


@pytest.mark.browser
def test_playground_screenshot_shows_a_rendered_ide(live_server_url: str, tmp_path: Path) -> None:
    screenshot = tmp_path / "p.png"
    result = _run_chromium(
        tmp_path / "profile",
        f"--screenshot={screenshot}",
        "--window-size=1280,800",
        "--virtual-time-budget=15000",
        f"{live_server_url}/graphql",
    )

    assert screenshot.is_file(), f"no screenshot written; stderr tail:\n{result.stderr[-3000:]}"
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # A blank or "Loading…" page compresses to a few KB; the IDE is ~50 KB.
    assert screenshot.stat().st_size > 10 * 1024


def test_playground_page_loads_only_local_assets(live_server_url: str) -> None:
    with httpx.Client(base_url=live_server_url, timeout=30) as client:
        page = client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        html = page.text

        assert "/playground/assets/" in html
        assert "http://" not in html
        assert "https://" not in html

        referenced = set(re.findall(r'(?:src|href)="/playground/assets/([^"]+)"', html))
        assert referenced == EXPECTED_PAGE_ASSETS

        for name in sorted(referenced):
            asset = client.get(f"/playground/assets/{name}")
            assert asset.status_code == 200, f"{name}: {asset.status_code} {asset.text[:200]}"
            expected_type = "text/css" if name.endswith(".css") else "text/javascript"
            assert asset.headers["content-type"].startswith(expected_type), name
            assert asset.headers["cache-control"] == "public, max-age=86400"
            assert len(asset.content) > 1000, name


# Pasting a token re-fetches the schema: driven over the DevTools protocol.

#: Runs in the page: waits for GraphiQL, pastes the headers, then waits for the schema.
_PASTE_TOKEN_AND_WAIT_FOR_SCHEMA = """
new Promise((resolve) => {
  const deadline = Date.now() + 30000;
  // The Headers tab is open (defaultEditorToolsVisibility); the variables editor is hidden.
  const headersEditor = () => document.querySelector(
    "section.graphiql-editor-tool[aria-label='Headers'] .graphiql-editor:not(.hidden) .CodeMirror");
  const docs = () => document.querySelector(".graphiql-doc-explorer");
  let pasted = false;
  let before = null;
  const step = () => {
    if (Date.now() > deadline) {
      resolve({ok: false, before, docs: docs() ? docs().textContent : null});
      return;
    }
    const button = document.querySelector("[aria-label='Show Documentation Explorer']");
    if (!docs() && button) button.click();
    const editor = headersEditor();
    if (!pasted) {
      // Without a token the first introspection is a 401: wait until GraphiQL says so.
      if (editor && docs() && /Error fetching schema|error/i.test(docs().textContent)) {
        before = docs().textContent;
        editor.CodeMirror.setValue(JSON.stringify({Authorization: "Bearer " + TOKEN}));
        pasted = true;
      }
    } else if (docs() && docs().textContent.includes("Root Types")) {
      resolve({ok: true, before, docs: docs().textContent.slice(0, 200)});
      return;
    }
    setTimeout(step, 100);
  };
  step();
})
"""


async def _cdp(ws: Any, method: str, **params: Any) -> dict[str, Any]:
    _cdp.counter = getattr(_cdp, "counter", 0) + 1  # type: ignore[attr-defined]
    ident = _cdp.counter  # type: ignore[attr-defined]
    await ws.send(json.dumps({"id": ident, "method": method, "params": params}))
    while True:
        message = json.loads(await ws.recv())
        if message.get("id") == ident:
            assert "error" not in message, message
            return message["result"]  # type: ignore[no-any-return]


@pytest.mark.browser
async def test_pasting_a_token_fetches_the_schema_again(
    live_server_url: str, tmp_path: Path
) -> None:
    command = [
        _chromium_or_skip(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--host-resolver-rules={NO_INTERNET_RULES}",
        "--remote-debugging-port=0",
        "about:blank",
    ]
    proc = await asyncio.create_subprocess_exec(
        *command,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert proc.stderr is not None
        endpoint = await asyncio.wait_for(_devtools_endpoint(proc.stderr), 60)
        port = endpoint.split(":")[2].split("/")[0]
        async with httpx.AsyncClient() as http:
            pages = (await http.get(f"http://127.0.0.1:{port}/json")).json()
        page = next(p for p in pages if p["type"] == "page")
        async with websockets.connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
            await _cdp(ws, "Page.enable")
            await _cdp(ws, "Page.navigate", url=f"{live_server_url}/graphql")
            script = f"const TOKEN = {json.dumps(ADMIN_TOKEN)};\n{_PASTE_TOKEN_AND_WAIT_FOR_SCHEMA}"
            result = await _cdp(
                ws, "Runtime.evaluate", expression=script, awaitPromise=True, returnByValue=True
            )
        outcome = result["result"]["value"]
        assert outcome["ok"], outcome
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()


async def _devtools_endpoint(stderr: asyncio.StreamReader) -> str:
    while line := (await stderr.readline()).decode(errors="replace"):
        match = re.search(r"DevTools listening on (ws://\S+)", line)
        if match:
            return match.group(1)
    raise RuntimeError("Chromium exited without a DevTools endpoint")


# The rest needs no server: the asset route's failure modes, checked in-process.


def _asset_client() -> httpx.AsyncClient:
    app = Starlette(routes=playground.playground_routes())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rapport.test")


async def test_unknown_asset_names_are_404_and_never_read_from_disk() -> None:
    async with _asset_client() as client:
        for name in ("nope.js", "..%2Fpackage.json", "package-lock.json"):
            response = await client.get(f"/playground/assets/{name}")
            assert response.status_code == 404, name


async def test_missing_node_modules_explains_how_to_fix_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(playground.ASSETS, "graphiql.min.js", tmp_path / "absent.js")

    async with _asset_client() as client:
        response = await client.get("/playground/assets/graphiql.min.js")

    assert response.status_code == 503
    assert "make setup" in response.text
    assert "npm ci --prefix web" in response.text


def test_graphql_path_cannot_break_out_of_the_script_tag() -> None:
    html = playground.playground_html("/graphql</script><script>alert(1)//")

    assert html.count("</script>") == 4  # three asset tags and the inline script
    assert "<script>alert(1)" not in html
