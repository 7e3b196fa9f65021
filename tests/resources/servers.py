"""Local servers for the integration tests: a recording HTTP server and free ports.

Ports come from ``SWITCHYARD_TEST_PORTS`` (``8300-8399``) when it is set, else from the OS.
"""
from __future__ import annotations

import json
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


def free_port() -> int:
    span = os.environ.get("SWITCHYARD_TEST_PORTS")
    if span:
        low, high = (int(p) for p in span.split("-"))
        candidates = range(low, high + 1)
    else:
        candidates = range(0, 1)
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError(f"no free port in {span}")


class Recorded:
    """One request as the server saw it."""

    def __init__(self, method: str, path: str, headers: dict, body: bytes):
        self.method, self.path, self.headers, self.body = method, path, headers, body

    def json(self):
        return json.loads(self.body)


Reply = Callable[[Recorded], tuple[int, dict, bytes]]


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 answering every request with ``reply(request)``."""

    def __init__(self, reply: Reply):
        self.requests: list[Recorded] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                   self.rfile.read(length) if length else b"")
                outer.requests.append(request)
                status, headers, body = reply(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def json_reply(status: int, value, **headers) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(value).encode()


class MotoServer:
    """moto's AWS stand-in on 127.0.0.1 (``port`` or a free one), in a thread of this process."""

    def __init__(self, port: int | None = None):
        from moto.server import ThreadedMotoServer

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def client(self, service: str, region: str = "us-east-1"):
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name=region,
                            aws_access_key_id="test", aws_secret_access_key="test")

    def __enter__(self) -> MotoServer:
        self.server.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()
