"""Security headers on every response: a Content-Security-Policy and friends.

Gradio's page runs inline scripts and evaluates its component templates, so script-src
allows 'unsafe-inline' and 'unsafe-eval'; the escaping in ui/render.py is what keeps user
and document text inert. The policy still forbids plugins, foreign frames, other origins
for scripts, connections and images, and form posts elsewhere.
"""
from __future__ import annotations

CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
       "connect-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'self'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
]


class SecurityHeaders:
    """Pure ASGI middleware (does not buffer streamed responses)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + \
                    [(k, v) for k, v in HEADERS if k not in names]
            await send(message)

        return await self.app(scope, receive, send_with_headers)
