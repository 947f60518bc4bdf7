"""What the read compiler needs to know of a request, and nothing else.

The use cases hold a richer call (resolvers/call.py: the database, the action name, …); the
compiler only reads who asks, what was selected and the settings, so it names those three as a
protocol and any call that has them compiles. This keeps graphdb/ below resolvers/.
"""

from __future__ import annotations

from typing import Protocol

from core.selection import RootSelection
from core.settings import Settings
from core.viewer import Viewer


class Request(Protocol):
    @property
    def selection(self) -> RootSelection: ...

    #: None only for an internal call that was never authenticated (full visibility).
    @property
    def principal(self) -> Viewer | None: ...

    @property
    def settings(self) -> Settings: ...
