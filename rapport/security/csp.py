"""The Content-Security-Policy of the playground page.

Everything loads from this server ('self'); the page's one inline script and one inline style
block are allowed by their SHA-256 hashes, computed from the HTML actually served, so editing
the page cannot silently break (or widen) the policy. No 'unsafe-inline', no 'unsafe-eval'.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


@lru_cache(maxsize=8)
def playground_csp(html: str) -> str:
    scripts = " ".join(_hash(s) for s in _INLINE_SCRIPT.findall(html))
    styles = " ".join(_hash(s) for s in _INLINE_STYLE.findall(html))
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' {scripts}".strip(),
            f"style-src 'self' {styles}".strip(),
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",  # fetch to /graphql and ws(s):// to the same host
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )
