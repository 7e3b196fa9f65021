"""Task tokens for the embedded runtime's callback Tasks (``….waitForTaskToken``).

The embedded runtime runs in the web process, so SendTaskSuccess, SendTaskFailure and
SendTaskHeartbeat reach it there: a token is an entry in memory, and answering it resolves the
future the Task awaits on the runtime's loop. After a restart the resumed execution calls the
callback's target again with the same token (it derives from the runtime's secret); an answer sent
while the server was down is refused and must be sent again. Activities still need the Celery
runtime, whose workers poll from other processes.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections import OrderedDict
from typing import Any

from .activities import StatesApiError
from .tokens import make_token_for

__all__ = ["CallbackBoard"]

_MAX_OUTPUT = 256 * 1024
_GONE_KEPT = 10_000  # ended tokens remembered, to answer TaskTimedOut rather than InvalidToken


class _Waiting:
    __slots__ = ("arn", "key", "future", "heartbeat")

    def __init__(self, arn: str, key: str, future: asyncio.Future):
        self.arn, self.key, self.future = arn, key, future
        self.heartbeat = time.monotonic()


class CallbackBoard:
    """Tokens handed out on ``loop``; answered from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, secret: str | None = None):
        self._loop = loop
        # Tokens derive from the secret, the ARN and the replay key: an execution resumed after a
        # restart hands out the token it handed out before (a caller holding it can still answer).
        self._secret = secret or secrets.token_hex(32)
        self._lock = threading.Lock()
        self._tokens: dict[str, _Waiting] = {}
        self._by_key: dict[tuple[str, str], str] = {}
        self._gone: OrderedDict[str, None] = OrderedDict()

    def token_for(self, arn: str, key: str) -> str:
        """The token of the Task at replay key ``key`` of ``arn`` (the same one when asked again)."""
        with self._lock:
            token = self._by_key.get((arn, key))
            if token is None:
                token = make_token_for(self._secret, arn)(key)
                self._by_key[(arn, key)] = token
                self._tokens[token] = _Waiting(arn, key, self._loop.create_future())
            return token

    async def wait(self, token: str, heartbeat_seconds: float | None) -> dict:
        """The answer, ``{"ok": value}`` or ``{"error", "cause"}``; a heartbeat that does not come in
        ``heartbeat_seconds`` ends the wait with ``{"error": "States.HeartbeatTimeout"}``."""
        waiting = self._tokens[token]
        while True:
            if heartbeat_seconds is None:
                return await waiting.future
            remaining = waiting.heartbeat + heartbeat_seconds - time.monotonic()
            if remaining <= 0:
                return {"error": "States.HeartbeatTimeout", "cause": None}
            try:
                return await asyncio.wait_for(asyncio.shield(waiting.future), remaining)
            except asyncio.TimeoutError:
                continue  # a heartbeat may have moved the deadline

    def forget(self, token: str) -> None:
        with self._lock:
            waiting = self._tokens.pop(token, None)
            if waiting is not None:
                self._by_key.pop((waiting.arn, waiting.key), None)
                self._gone[token] = None
                while len(self._gone) > _GONE_KEPT:
                    self._gone.popitem(last=False)

    def forget_execution(self, arn: str) -> None:
        """Drop the tokens an ended execution handed out but never waited on."""
        with self._lock:
            tokens = [t for (a, _), t in self._by_key.items() if a == arn]
        for token in tokens:
            self.forget(token)

    def _owner(self, token: str) -> _Waiting:
        with self._lock:
            waiting = self._tokens.get(token)
            if waiting is None:
                if token in self._gone:
                    raise StatesApiError("TaskTimedOut", "Task Timed Out: the task has already ended")
                raise StatesApiError("InvalidToken", f"Invalid Token: '{token}'")
            return waiting

    def _resolve(self, waiting: _Waiting, record: dict) -> None:
        def settle() -> None:
            if not waiting.future.done():
                waiting.future.set_result(record)
        self._loop.call_soon_threadsafe(settle)

    # -- the API calls, named and shaped as executor.runtime.activities' ------------------------

    def send_task_success(self, *, task_token: str, output: str) -> dict[str, Any]:
        waiting = self._owner(task_token)
        if not isinstance(output, str) or len(output.encode()) > _MAX_OUTPUT:
            raise StatesApiError("InvalidOutput", "Invalid Output: the output must be JSON text of at most 256 KB")
        try:
            value = json.loads(output)
        except ValueError:
            raise StatesApiError("InvalidOutput", f"Invalid Output: '{output[:100]}' is not JSON") from None
        if waiting.future.done():
            raise StatesApiError("TaskTimedOut", "Task Timed Out: the task has already ended")
        self._resolve(waiting, {"ok": value})
        return {}

    def send_task_failure(self, *, task_token: str, error: str | None = None, cause: str | None = None
                          ) -> dict[str, Any]:
        waiting = self._owner(task_token)
        if waiting.future.done():
            raise StatesApiError("TaskTimedOut", "Task Timed Out: the task has already ended")
        self._resolve(waiting, {"error": error, "cause": cause})
        return {}

    def send_task_heartbeat(self, *, task_token: str) -> dict[str, Any]:
        self._owner(task_token).heartbeat = time.monotonic()
        return {}
