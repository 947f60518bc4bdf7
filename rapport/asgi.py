"""ASGI entry point for uvicorn workers: `uvicorn rapport.asgi:app`."""

from core.settings import get_settings
from rapport.app import create_app
from rapport.observability.logs import configure_logging

_settings = get_settings()
configure_logging(_settings.log_level, _settings.json_logs)  # each worker process logs alike
app = create_app(_settings)
