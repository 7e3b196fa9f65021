"""The ``metrics`` message: queue depths, tasks running per worker, per-model batching figures.

Reading them costs Redis round trips (and, with a separate inference worker, a Celery call),
so one snapshot per process serves every connected socket for about a second.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from designer.runtime import get_runtime, runtime_name
from executor.inference import metrics as inference_metrics
from executor.inference import settings as inference_settings

__all__ = ["metrics_message", "MAX_AGE_S"]

MAX_AGE_S = 0.9
# The inference worker answers in milliseconds when it is up; when it is not, the queue
# figures must not wait long for it, and the unanswered request must not pile up for later.
_INFERENCE_TIMEOUT_S = 0.5
_lock = threading.Lock()
_cached: tuple[float, dict[str, Any]] | None = None


def metrics_message() -> dict[str, Any]:
    """The current metrics message (synchronous: call it from a thread), at most MAX_AGE_S old."""
    global _cached
    with _lock:  # one reader at a time; the others take its answer
        if _cached is None or time.monotonic() - _cached[0] > MAX_AGE_S:
            _cached = (time.monotonic(), _read())
        return _cached[1]


def _read() -> dict[str, Any]:
    name = runtime_name()
    # The Celery runtime knows its own Redis and Celery app (a worker machine's may differ from
    # this process's defaults): read through them.
    runtime = get_runtime() if name == "celery" else None
    errors: list[str] = []
    queues: dict[str, Any] = {"queues": {}, "workers": {}, "executions_running": None}
    if runtime is not None:
        queues = _celery_queues(runtime, errors)
    # The batcher runs in the inference worker whenever Celery carries the work.
    remote = runtime is not None or inference_settings.inference_mode() == "celery"
    return {
        "type": "metrics",
        "time": time.time(),
        "runtime": name,
        "queues": queues["queues"],
        "workers": queues["workers"],
        "executions_running": queues["executions_running"],
        "models": _remote_models(runtime, errors) if remote else inference_metrics.snapshot()["models"],
        "errors": errors,
    }


def _celery_queues(runtime: Any, errors: list[str]) -> dict[str, Any]:
    from executor.runtime.metrics import runtime_metrics

    try:
        return runtime_metrics(getattr(runtime, "client", None))
    except Exception as exc:  # a broker that is away must not silence the other figures
        errors.append(f"queue metrics: {type(exc).__name__}: {exc}")
        return {"queues": {}, "workers": {}, "executions_running": None}


def _remote_models(runtime: Any, errors: list[str]) -> dict[str, Any]:
    from executor.inference.celery_tasks import METRICS_SNAPSHOT

    app = getattr(runtime, "app", None)
    if app is None:
        from config.celery import app
    try:
        reply = app.send_task(METRICS_SNAPSHOT, queue="inference", expires=_INFERENCE_TIMEOUT_S * 2)
        return reply.get(timeout=_INFERENCE_TIMEOUT_S)["models"]
    except Exception as exc:
        errors.append(f"the inference worker did not answer: {type(exc).__name__}: {exc}")
        return {}
