"""Per-model batching metrics, kept in memory for the live view and the REST API.

Every worker records into its model's :class:`ModelMetrics`; :func:`snapshot`
returns all of them as one JSON-friendly dict (what the designer serves).
Percentiles are over the most recent samples only, so they follow the load.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Any, Callable

__all__ = ["ModelMetrics", "metrics_for", "snapshot", "reset", "percentile", "device_memory"]

_SAMPLES = 2048  # recent samples kept for percentiles
_RATE_WINDOW_S = 10.0  # items/s is measured over this trailing window


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(q / 100.0 * len(ordered)), 1)
    return ordered[rank - 1]


def _bucket(size: int) -> int:
    """Histogram bucket: the smallest power of two at least ``size``."""
    return 1 << max(size - 1, 0).bit_length()


class ModelMetrics:
    """Counters and recent samples for one model. Thread-safe."""

    def __init__(self, model: str, *, clock: Callable[[], float] = time.monotonic):
        self.model = model
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.batches = 0
            self.items = 0
            self.requests = 0
            self.rejected = 0
            self.cancelled = 0
            self.errors = 0
            self.histogram: dict[int, int] = {}
            self._fill: deque[float] = deque(maxlen=_SAMPLES)
            self._sizes: deque[int] = deque(maxlen=_SAMPLES)
            self._waits: deque[float] = deque(maxlen=_SAMPLES)
            self._computes: deque[float] = deque(maxlen=_SAMPLES)
            self._done: deque[tuple[float, int]] = deque()
            self.queue_depth = 0
            self.queue_requests = 0
            self.config: dict[str, Any] = {}
            self.device: dict[str, Any] = {}

    def new_window(self) -> None:
        """Start the recent samples afresh (the counters go on): after the knobs changed, the mean
        batch size, fill ratio, waits and rate then show what the new knobs do."""
        with self._lock:
            for samples in (self._fill, self._sizes, self._waits, self._computes, self._done):
                samples.clear()

    def record_batch(self, *, size: int, max_batch_size: int, waits_s: list[float], compute_s: float) -> None:
        """One batch ran: ``size`` items from ``len(waits_s)`` requests."""
        now = self._clock()
        with self._lock:
            self.batches += 1
            self.items += size
            self.requests += len(waits_s)
            bucket = _bucket(size)
            self.histogram[bucket] = self.histogram.get(bucket, 0) + 1
            self._sizes.append(size)
            self._fill.append(min(size / max_batch_size, 1.0))
            self._waits.extend(waits_s)
            self._computes.append(compute_s)
            self._done.append((now, size))
            self._trim(now)

    def record_queue(self, *, depth: int, requests: int) -> None:
        self.queue_depth, self.queue_requests = depth, requests

    def count(self, what: str, n: int = 1) -> None:
        """Add ``n`` to one of the counters ``rejected``, ``cancelled``, ``errors``."""
        with self._lock:
            setattr(self, what, getattr(self, what) + n)

    def _trim(self, now: float) -> None:
        while self._done and self._done[0][0] < now - _RATE_WINDOW_S:
            self._done.popleft()

    def items_per_second(self) -> float:
        """Items finished per second over the trailing window (0 when idle)."""
        now = self._clock()
        with self._lock:
            self._trim(now)
            done = list(self._done)
        if not done:
            return 0.0
        span = max(now - done[0][0], 1e-3) if len(done) > 1 else _RATE_WINDOW_S
        return sum(size for _, size in done) / min(span, _RATE_WINDOW_S)

    def as_dict(self) -> dict[str, Any]:
        """Everything as plain values; times in milliseconds."""
        rate = self.items_per_second()
        with self._lock:
            sizes, fill = list(self._sizes), list(self._fill)
            waits, computes = list(self._waits), list(self._computes)
            histogram = dict(sorted(self.histogram.items()))
        ms = lambda value: None if value is None else value * 1000.0  # noqa: E731
        return {
            "model": self.model,
            "queue_depth": self.queue_depth,
            "queue_requests": self.queue_requests,
            "batches": self.batches,
            "items": self.items,
            "requests": self.requests,
            "rejected": self.rejected,
            "cancelled": self.cancelled,
            "errors": self.errors,
            "batch_size_mean": sum(sizes) / len(sizes) if sizes else None,
            "batch_size_histogram": {str(bucket): count for bucket, count in histogram.items()},
            "fill_ratio": sum(fill) / len(fill) if fill else None,
            "queue_wait_ms": {"p50": ms(percentile(waits, 50)), "p99": ms(percentile(waits, 99))},
            "compute_ms": {"p50": ms(percentile(computes, 50)), "p99": ms(percentile(computes, 99))},
            "items_per_s": rate,
            "config": dict(self.config),
            "device": dict(self.device),
            "memory": device_memory(self.device.get("type", "cpu")),
        }


_registry: dict[str, ModelMetrics] = {}
_registry_lock = threading.Lock()


def metrics_for(model: str) -> ModelMetrics:
    """The one :class:`ModelMetrics` of ``model`` in this process (created on first use)."""
    with _registry_lock:
        if model not in _registry:
            _registry[model] = ModelMetrics(model)
        return _registry[model]


def snapshot() -> dict[str, Any]:
    """All models' metrics in this process: ``{"models": {name: {...}}, "process": {...}}``."""
    with _registry_lock:
        models = list(_registry.values())
    return {
        "models": {metrics.model: metrics.as_dict() for metrics in models},
        "process": device_memory("cpu"),
    }


def reset() -> None:
    """Forget every model's metrics (tests, and the designer's 'reset' button)."""
    with _registry_lock:
        _registry.clear()


def device_memory(device_type: str) -> dict[str, Any]:
    """Memory in use: CUDA allocator figures on a GPU, the process's RSS on the CPU.

    Returns megabytes: ``{"kind", "used_mb", "peak_mb"}`` (+ ``"total_mb"`` on CUDA).
    """
    if device_type == "cuda":
        import torch

        return {
            "kind": "cuda",
            "used_mb": torch.cuda.memory_allocated() / 2**20,
            "peak_mb": torch.cuda.max_memory_allocated() / 2**20,
            "reserved_mb": torch.cuda.memory_reserved() / 2**20,
            "total_mb": torch.cuda.get_device_properties(0).total_memory / 2**20,
        }
    return {"kind": "rss", "used_mb": _proc_status_mb("VmRSS"), "peak_mb": _proc_status_mb("VmHWM")}


def _proc_status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0  # the file says kB
    except OSError:  # not Linux: no cheap figure, and a wrong one is worse than none
        return None
    return None
