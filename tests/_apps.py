"""An in-process app with settings of its own, for tests that need other limits or modes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette

from core.settings import Settings
from rapport.app import create_app
from tests.conftest import ADMIN_TOKEN


@asynccontextmanager
async def app_client(
    settings: Settings,
    *,
    token: str | None = ADMIN_TOKEN,
    run_migrations: bool = True,
    **changes: Any,
) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    """(client, app) for `create_app(settings with changes)`, lifespan running.

    `changes` use Settings' field names (`rate_limit_per_s=1`, `env="production"`…).
    """
    app = create_app(settings.model_copy(update=changes), run_migrations=run_migrations)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://rapport.test", headers=headers
        ) as client,
    ):
        yield client, app
