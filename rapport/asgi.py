"""ASGI entry point for uvicorn workers: `uvicorn rapport.asgi:app`."""

from rapport.app import create_app

app = create_app()
