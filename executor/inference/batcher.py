"""The dynamic batch queue: plain state, no model and no thread inside.

Requests wait here until a batch is worth running, in the manner of Ray
Serve's ``@serve.batch`` and text-generation-inference's queue:

* a batch leaves as soon as ``max_batch_size`` items are waiting, or when the
  oldest request has waited ``max_wait_s``;
* with ``preferred_batch_sizes`` (Triton's term) a batch is cut to the largest
  preferred size that the waiting items fill, so a model that is fastest at
  certain shapes gets those shapes;
* requests leave in arrival order, whole (a request of 50 items is never
  split across two batches, so its result is produced in one pass);
* the queue holds at most ``queue_capacity`` items; what happens to one more
  is the caller's policy (``"reject"`` or ``"block"``, see :mod:`.service`);
* a request whose future was cancelled, or whose execution was stopped, is
  dropped when a batch is cut, never run.

The queue is not thread-safe: its owner (:class:`.service.ModelWorker`) holds
a lock around every call. Time comes from an injected monotonic clock so that
the tests drive it by hand.
"""
from __future__ import annotations

import concurrent.futures
import itertools
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Callable

__all__ = [
    "BatchConfig",
    "Call",
    "QueueFullError",
    "Request",
    "BatchQueue",
    "FULL_QUEUE_POLICIES",
]

FULL_QUEUE_POLICIES = ("reject", "block")
Clock = Callable[[], float]


class QueueFullError(Exception):
    """The model's queue had no room for a request and the policy is to reject."""


@dataclass(frozen=True)
class BatchConfig:
    """The knobs of one model's batcher; every field can change while it runs.

    ``latency_target_s`` switches on adaptive mode: the worker then picks
    ``max_batch_size`` and ``max_wait_s`` itself (see :mod:`.adaptive`), never
    above ``adaptive_max_batch_size``.
    """

    max_batch_size: int = 64
    max_wait_s: float = 0.005
    preferred_batch_sizes: tuple[int, ...] = ()
    queue_capacity: int = 10_000
    full_queue_policy: str = "block"
    block_timeout_s: float = 60.0
    latency_target_s: float | None = None
    adaptive_max_batch_size: int = 256

    def __post_init__(self) -> None:
        problems = []
        if self.max_batch_size < 1:
            problems.append("max_batch_size must be at least 1")
        if self.max_wait_s < 0:
            problems.append("max_wait_s must not be negative")
        if any(size < 1 for size in self.preferred_batch_sizes):
            problems.append("preferred_batch_sizes must all be at least 1")
        if self.queue_capacity < 1:
            problems.append("queue_capacity must be at least 1")
        if self.full_queue_policy not in FULL_QUEUE_POLICIES:
            problems.append(f"full_queue_policy must be one of {FULL_QUEUE_POLICIES}, not {self.full_queue_policy!r}")
        if self.latency_target_s is not None and self.latency_target_s <= 0:
            problems.append("latency_target_s must be positive")
        if self.adaptive_max_batch_size < 1:
            problems.append("adaptive_max_batch_size must be at least 1")
        if problems:
            raise ValueError("; ".join(problems))
        # Sorted once so that cutting a batch is a simple scan.
        object.__setattr__(self, "preferred_batch_sizes", tuple(sorted(set(self.preferred_batch_sizes))))

    @property
    def adaptive(self) -> bool:
        return self.latency_target_s is not None

    def as_dict(self) -> dict[str, Any]:
        """The knobs as JSON-friendly values (milliseconds for times)."""
        return {
            "max_batch_size": self.max_batch_size,
            "max_wait_ms": self.max_wait_s * 1000.0,
            "preferred_batch_sizes": list(self.preferred_batch_sizes),
            "queue_capacity": self.queue_capacity,
            "full_queue_policy": self.full_queue_policy,
            "latency_target_ms": None if self.latency_target_s is None else self.latency_target_s * 1000.0,
            "adaptive": self.adaptive,
            "adaptive_max_batch_size": self.adaptive_max_batch_size,
        }


@dataclass(frozen=True)
class Call:
    """What one request asks of a model: a task, its inputs, its parameters."""

    task: str
    inputs: list[Any]
    parameters: dict[str, Any] = field(default_factory=dict)


_ids = itertools.count(1)


@dataclass(eq=False)
class Request:
    """One caller's call, waiting in the queue, with its own result handle.

    ``future`` receives the model's result for this call alone (a list with
    one output per input) or the exception the model raised.
    ``is_cancelled`` lets an execution that was stopped withdraw its requests
    without touching the queue (the runtime's flag is read when a batch is cut).
    """

    call: Call
    enqueued_at: float
    future: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)
    is_cancelled: Callable[[], bool] | None = None
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def size(self) -> int:
        return len(self.call.inputs)

    def withdrawn(self) -> bool:
        """True when nobody wants the result any more."""
        return self.future.cancelled() or bool(self.is_cancelled and self.is_cancelled())


class BatchQueue:
    """Requests waiting for a model, and the rule for cutting the next batch."""

    def __init__(self, config: BatchConfig | None = None, *, clock: Clock = time.monotonic):
        self._config = config or BatchConfig()
        self._clock = clock
        self._requests: deque[Request] = deque()
        self._items = 0
        self.dropped = 0  # requests withdrawn before they ran

    # -- knobs ---------------------------------------------------------------
    @property
    def config(self) -> BatchConfig:
        return self._config

    def reconfigure(self, **changes: Any) -> BatchConfig:
        """Change knobs at once (the next batch cut uses them); returns the new config.

        Raises ValueError for an unknown knob or a bad value, leaving the old
        config in place.
        """
        self._config = replace(self._config, **changes)
        return self._config

    # -- state ---------------------------------------------------------------
    @property
    def depth(self) -> int:
        """Items waiting (including withdrawn ones not yet dropped)."""
        return self._items

    def __len__(self) -> int:
        return len(self._requests)

    def has_room_for(self, size: int) -> bool:
        """True when ``size`` more items fit. An empty queue takes any request,
        so a request larger than the capacity is still served, alone."""
        return self._items == 0 or self._items + size <= self._config.queue_capacity

    def put(self, call: Call, *, is_cancelled: Callable[[], bool] | None = None) -> Request:
        """Enqueue ``call``; returns its :class:`Request` (with its future).

        Raises QueueFullError when it does not fit; the caller decides whether
        to wait and try again.
        """
        if not self.has_room_for(len(call.inputs)):
            raise QueueFullError(
                f"the queue holds {self._items} of {self._config.queue_capacity} items and has no "
                f"room for {len(call.inputs)} more"
            )
        request = Request(call=call, enqueued_at=self._clock(), is_cancelled=is_cancelled)
        self._requests.append(request)
        self._items += request.size
        return request

    def next_deadline(self) -> float | None:
        """Clock time at which the oldest request's wait runs out; None when empty."""
        if not self._requests:
            return None
        return self._requests[0].enqueued_at + self._config.max_wait_s

    def take(self) -> list[Request] | None:
        """Cut the next batch if one is due; returns its requests (oldest first) or None.

        Withdrawn requests are dropped (their futures cancelled) on the way.
        The returned requests' futures are marked running, so a late
        ``cancel()`` no longer withdraws them.
        """
        self._drop_withdrawn()
        if not self._requests:
            return None
        config = self._config
        full = self._items >= config.max_batch_size
        if not full and self._clock() < self._requests[0].enqueued_at + config.max_wait_s:
            return None
        target = self._target_size(min(self._items, config.max_batch_size))
        batch: list[Request] = []
        taken = 0
        while self._requests:
            request = self._requests[0]
            if batch and taken + request.size > target:
                break  # never skip ahead: requests leave in arrival order
            self._requests.popleft()
            self._items -= request.size
            if not request.future.set_running_or_notify_cancel():
                self.dropped += 1  # cancelled between the sweep and now
                continue
            batch.append(request)
            taken += request.size
        return batch or None

    def _target_size(self, available: int) -> int:
        fitting = [size for size in self._config.preferred_batch_sizes if size <= available]
        return fitting[-1] if fitting else available

    def _drop_withdrawn(self) -> None:
        if not any(request.withdrawn() for request in self._requests):
            return
        kept: deque[Request] = deque()
        for request in self._requests:
            if request.withdrawn():
                request.future.cancel()
                self._items -= request.size
                self.dropped += 1
            else:
                kept.append(request)
        self._requests = kept

    def drain(self) -> list[Request]:
        """Remove and return every waiting request (used when a worker stops)."""
        requests = list(self._requests)
        self._requests.clear()
        self._items = 0
        return requests
