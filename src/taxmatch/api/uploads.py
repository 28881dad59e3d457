"""Refuse a truncated multipart upload as such, before any part of it is kept.

A multipart body that stops before its closing boundary (a dropped connection,
a cut file) otherwise parses as a form with a part missing, and the parser
leaves the half-received part's spool file open. Raising the parser's own
exception at the end of the stream makes it close every spool file and answer
400, which the app's error handler puts in the one error shape.
"""

from __future__ import annotations

import re

from starlette.formparsers import MultiPartException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_BOUNDARY = re.compile(rb'boundary="?([^";,]+)"?', re.IGNORECASE)
# Room for the closing delimiter, its line break and a short epilogue after it.
_TAIL = 1024


def boundary(content_type: bytes) -> bytes | None:
    """The multipart boundary named in a Content-Type header, if it is multipart at all."""
    if not content_type.lower().startswith(b"multipart/"):
        return None
    found = _BOUNDARY.search(content_type)
    return found.group(1) if found else None


class CompleteMultipart:
    """ASGI middleware: a multipart request body must end with its closing boundary."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mark = None
        if scope["type"] == "http":
            mark = boundary(dict(scope["headers"]).get(b"content-type", b""))
        if mark is None:
            await self.app(scope, receive, send)
            return
        closing = b"--" + mark + b"--"
        tail = b""

        async def checked() -> Message:
            nonlocal tail
            message = await receive()
            if message["type"] == "http.request":
                tail = (tail + message.get("body", b""))[-_TAIL:]
                if not message.get("more_body", False) and closing not in tail:
                    raise MultiPartException(
                        "the upload is truncated: the multipart body ends before its closing boundary; "
                        "send the whole upload again"
                    )
            return message

        await self.app(scope, checked, send)
