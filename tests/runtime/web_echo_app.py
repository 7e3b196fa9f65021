"""A plain ASGI application for tests/runtime/test_web_server.py: ``GET /bytes/<n>`` answers with
``n`` bytes of a known pattern (:func:`pattern`), in one body message or, with ``?parts=k``, in k."""
from __future__ import annotations

from urllib.parse import parse_qs


def pattern(n: int) -> bytes:
    unit = b"0123456789abcdefghijklmnopqrstuvwxyz\n"
    return (unit * (n // len(unit) + 1))[:n]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    n = int(scope["path"].rsplit("/", 1)[-1])
    parts = int(parse_qs(scope["query_string"].decode()).get("parts", ["1"])[0])
    body = pattern(n)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/octet-stream"), (b"content-length", str(n).encode())]})
    step = -(-n // parts) if n else 0
    for i in range(parts):
        chunk = body[i * step:(i + 1) * step]
        await send({"type": "http.response.body", "body": chunk, "more_body": i < parts - 1})
