"""InvokeEndpoint through the ``inference`` Celery queue, awaited without a thread per call.

Used when SWITCHYARD_INFERENCE_MODE=celery: the model lives in the dedicated
inference worker, and the process running the workflow only sends messages.
One collector thread per process polls the result backend for every pending
call at once (one ``mget`` per pass on Redis), so thousands of Map iterations
can wait together.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from typing import Any, Callable

from .endpoint import EndpointError

__all__ = ["ainvoke"]

_POLL_S = 0.005


class _Collector:
    def __init__(self, app):
        self.app = app
        self._pending: dict[str, concurrent.futures.Future] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        threading.Thread(target=self._loop, name="inference-results", daemon=True).start()

    def watch(self, task_id: str) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            self._pending[task_id] = future
        self._wake.set()
        return future

    def _loop(self) -> None:
        while True:
            with self._lock:
                for task_id in [i for i, f in self._pending.items() if f.cancelled()]:
                    del self._pending[task_id]  # its caller went away: stop asking
                ids = list(self._pending)
            if not ids:
                self._wake.wait()
                self._wake.clear()
                continue
            try:
                for task_id, meta in self.app.backend.get_many(ids, max_iterations=1, interval=0, timeout=None):
                    with self._lock:
                        future = self._pending.pop(task_id, None)
                    if future is not None and not future.done():
                        future.set_result(meta)
            except Exception as exc:  # a backend hiccup fails the calls waiting now, not the collector
                with self._lock:
                    failed, self._pending = self._pending, {}
                for future in failed.values():
                    if not future.done():
                        future.set_exception(exc)
            time.sleep(_POLL_S)


_collector: _Collector | None = None
_collector_lock = threading.Lock()


def _collector_for(app) -> _Collector:
    global _collector
    with _collector_lock:
        if _collector is None or _collector.app is not app:
            _collector = _Collector(app)
        return _collector


async def ainvoke(parameters: Any, *, is_cancelled: Callable[[], bool] | None = None, app=None) -> dict[str, Any]:
    """Send one call to the ``inference`` queue and await the AWS-shaped response.

    Raises EndpointError with AWS's names (``SageMakerRuntime.*``), or with
    ``States.TaskFailed`` when the worker itself failed.
    """
    from celery import current_app

    from .celery_tasks import INVOKE_ENDPOINT, QUEUE

    app = app or current_app
    result = app.send_task(INVOKE_ENDPOINT, args=[parameters], queue=QUEUE)
    meta = await asyncio.wrap_future(_collector_for(app).watch(result.id))
    if meta.get("status") != "SUCCESS":
        raise EndpointError("States.TaskFailed", f"the inference worker failed: {meta.get('result')!r}")
    reply = meta["result"]
    if "Error" in reply:
        raise EndpointError(reply["Error"], reply.get("Cause", ""))
    return reply["Result"]
