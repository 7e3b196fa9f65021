"""Which runtime carries out executions: ``embedded`` or ``celery``.

Standard library only, so the Makefile can print the choice before a virtual
environment exists, and the server makes the very same choice at start.

``SWITCHYARD_RUNTIME``:
    ``embedded`` -- always run executions inside the app process;
    ``celery``   -- always use Celery workers (fails loudly if unavailable);
    ``auto``     -- Celery when the Celery runtime is installed *and* Redis
                    answers at ``REDIS_URL``, otherwise embedded (the default).
"""
from __future__ import annotations

import importlib.util
import os
import socket
import sys
from urllib.parse import urlsplit

__all__ = ["RUNTIME_CHOICES", "choose_runtime", "redis_answers", "celery_runtime_installed"]

RUNTIME_CHOICES = ("auto", "embedded", "celery")
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_answers(redis_url: str, timeout: float = 0.3) -> bool:
    """Return True when a Redis server answers PING at ``redis_url`` (no password support needed
    for the local default; a password-protected Redis counts as answering when it says NOAUTH)."""
    parts = urlsplit(redis_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
    except OSError:
        return False
    return reply.startswith(b"+PONG") or b"NOAUTH" in reply


def celery_runtime_installed() -> bool:
    """Return True when ``executor.runtime.celery`` exists (it is written after the embedded one)."""
    try:
        return importlib.util.find_spec("executor.runtime.celery") is not None
    except (ImportError, ValueError):
        return False


def choose_runtime(setting: str | None = None, redis_url: str | None = None) -> tuple[str, str]:
    """Return ``(name, reason)`` for the runtime to use; raises ValueError for an unknown setting."""
    setting = (setting if setting is not None else os.environ.get("SWITCHYARD_RUNTIME", "auto")).strip().lower()
    setting = setting or "auto"
    redis_url = redis_url or os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    if setting not in RUNTIME_CHOICES:
        raise ValueError(f"SWITCHYARD_RUNTIME must be one of {', '.join(RUNTIME_CHOICES)}, not {setting!r}")
    if setting != "auto":
        return setting, f"SWITCHYARD_RUNTIME={setting}"
    if not celery_runtime_installed():
        return "embedded", "auto: the Celery runtime is not installed"
    if not redis_answers(redis_url):
        return "embedded", f"auto: no Redis answers at {redis_url}"
    return "celery", f"auto: Redis answers at {redis_url}"


def main(argv: list[str]) -> int:
    """Print the choice: "Switchyard runtime: <name>" and why, or with ``--name`` the name alone."""
    try:
        name, why = choose_runtime()
    except ValueError as exc:
        print(f"Switchyard runtime: invalid setting ({exc})", file=sys.stderr)
        return 2
    # The first line is exactly "Switchyard runtime: <name>" so scripts can match it.
    text = f"{name}\n" if "--name" in argv else f"Switchyard runtime: {name}\n  why: {why}\n"
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # A reader that stopped early (``| head -1``) is not an error: say nothing more, even at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
