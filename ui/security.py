"""Security headers on every response: a Content-Security-Policy and friends.

Scripts: only this origin's files and the inline scripts of the page as served (their SHA-256
hashes are computed for each HTML response), so an `onerror=` attribute or a `javascript:`
URL that slipped past the escaping in ui/render.py would still not run. 'unsafe-eval' stays
because Gradio evaluates its component templates.
"""
from __future__ import annotations

import base64
import hashlib
import re

BASE = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'")
SCRIPT_SRC = "script-src 'self' 'unsafe-eval'"
OTHER = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
]
_INLINE = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
MAX_HTML = 8 * 2**20


def csp_for(body: bytes | None) -> str:
    """The policy for a response; for an HTML page, with the hashes of its inline scripts."""
    hashes = ""
    if body:
        hashes = "".join(f" 'sha256-{base64.b64encode(hashlib.sha256(m).digest()).decode()}'"
                         for m in dict.fromkeys(_INLINE.findall(body)))
    return f"{BASE}; {SCRIPT_SRC}{hashes}"


class SecurityHeaders:
    """Pure ASGI middleware. HTML pages are held until complete (to hash their inline
    scripts); everything else, streamed responses included, passes straight through."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        held: dict = {}

        def headers(message, body):
            names = {k.lower() for k, _ in message.get("headers", [])}
            extra = [(b"content-security-policy", csp_for(body).encode())] + OTHER
            message["headers"] = list(message.get("headers", [])) + \
                [(k, v) for k, v in extra if k not in names]
            return message

        async def wrapped(message):
            if message["type"] == "http.response.start":
                ctype = dict((k.lower(), v) for k, v in message.get("headers", [])).get(b"content-type", b"")
                if ctype.startswith(b"text/html"):
                    held["start"], held["body"] = message, []
                    return
                return await send(headers(message, None))
            if message["type"] == "http.response.body" and "start" in held:
                held["body"].append(message.get("body", b""))
                size = sum(len(b) for b in held["body"])
                if message.get("more_body") and size < MAX_HTML:
                    return
                body = b"".join(held.pop("body"))
                await send(headers(held.pop("start"), body))
                return await send({"type": "http.response.body", "body": body,
                                   "more_body": message.get("more_body", False)})
            return await send(message)

        return await self.app(scope, receive, wrapped)
