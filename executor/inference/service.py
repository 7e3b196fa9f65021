"""The in-process inference service: one worker thread per model, fed by any thread or loop.

:class:`ModelWorker` joins a :class:`~.batcher.BatchQueue` to a loaded model:
callers put calls in (``submit`` from a thread, ``asubmit`` from an asyncio
loop), the worker's own thread cuts batches and runs them, and each caller
gets its own result. :func:`get_worker` keeps one worker per model per
process, so every execution's requests share the batches. The embedded
runtime and the Celery ``inference`` worker both use it.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import logging
import os
import threading
import time
from collections import deque
from typing import Any, Callable

from . import knobs, registry, settings
from .adaptive import AdaptiveTuner
from .batcher import BatchConfig, BatchQueue, Call, QueueFullError, Request
from .device import choose_device
from .metrics import ModelMetrics, metrics_for
from .models import InferenceModel

__all__ = ["ModelWorker", "get_worker", "running_worker", "shutdown_workers", "QueueFullError"]

log = logging.getLogger("switchyard.inference")


class ModelWorker:
    """A loaded model, its batch queue, and the thread that runs its batches.

    ``clock`` must be the clock the queue uses; tests pass a fake one and call
    :meth:`run_once` instead of starting the thread.
    """

    def __init__(self, model: InferenceModel, *, config: BatchConfig | None = None,
                 clock: Callable[[], float] = time.monotonic, metrics: ModelMetrics | None = None):
        self.model = model
        self._clock = clock
        self.queue = BatchQueue(config or BatchConfig(**model.batch_defaults), clock=clock)
        self.metrics = metrics or metrics_for(model.name)
        self.tuner = AdaptiveTuner()
        #: the knobs before a user turned any (executor.inference.knobs)
        self.defaults: BatchConfig = self.queue.config
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # the worker thread waits on this
        self._room = threading.Condition(self._lock)  # blocked submitters wait on this
        self._room_waiters: deque[concurrent.futures.Future] = deque()  # blocked asyncio submitters
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.metrics.config = self.queue.config.as_dict()
        if model.device is not None:
            self.metrics.device = model.device.as_dict()

    # -- knobs -----------------------------------------------------------------
    @property
    def config(self) -> BatchConfig:
        return self.queue.config

    def reconfigure(self, **knobs: Any) -> BatchConfig:
        """Change batching knobs while running; returns the new config. Raises ValueError."""
        with self._lock:
            config = self.queue.reconfigure(**knobs)
            self.metrics.config = config.as_dict()
            self._work.notify()  # a shorter wait or smaller size may make a batch due now
            return config

    # -- submitting ------------------------------------------------------------
    def _try_put(self, call: Call, is_cancelled) -> Request | None:
        """Under the lock: enqueue, or None when full and the policy is to block."""
        if self.queue.has_room_for(len(call.inputs)):
            was_empty = self.queue.depth == 0
            request = self.queue.put(call, is_cancelled=is_cancelled)
            self.metrics.record_queue(depth=self.queue.depth, requests=len(self.queue))
            # Wake the worker only when this changes what it waits for, not for every request.
            if was_empty or self.queue.depth >= self.queue.config.max_batch_size:
                self._work.notify()
            return request
        if self.queue.config.full_queue_policy == "reject":
            self.metrics.count("rejected")
            raise QueueFullError(self._full_message(len(call.inputs)))
        return None

    def _full_message(self, size: int) -> str:
        config = self.queue.config
        return (
            f"The inference queue of model '{self.model.name}' is full ({self.queue.depth} of "
            f"{config.queue_capacity} items waiting; this request has {size}). Raise "
            "SWITCHYARD_BATCH_QUEUE_CAPACITY, set SWITCHYARD_BATCH_QUEUE_FULL=block, or lower the "
            "Map state's MaxConcurrency."
        )

    def submit(self, call: Call, *, is_cancelled: Callable[[], bool] | None = None) -> concurrent.futures.Future:
        """Enqueue ``call`` from any thread; returns a future of its outputs (one per input).

        Raises ModelInputError for a call the model cannot take, QueueFullError
        when the queue is full and the policy rejects, or when blocking outlasts
        ``block_timeout_s``.
        """
        self.model.validate(call)
        deadline = self._clock() + self.queue.config.block_timeout_s
        with self._lock:
            while True:
                request = self._try_put(call, is_cancelled)
                if request is not None:
                    return request.future
                remaining = deadline - self._clock()
                if remaining <= 0:
                    self.metrics.count("rejected")
                    raise QueueFullError(self._full_message(len(call.inputs)) + " (waited for room and gave up)")
                self._room.wait(remaining)

    async def asubmit(self, call: Call, *, is_cancelled: Callable[[], bool] | None = None) -> list[Any]:
        """Enqueue ``call`` from an asyncio loop and await its outputs (one per input).

        Waiting for room (policy ``block``) and for the result never holds a
        thread. Cancelling the awaiting task withdraws the request if it has
        not started. Raises as :meth:`submit`, or what the model raised.
        """
        self.model.validate(call)
        deadline = self._clock() + self.queue.config.block_timeout_s
        while True:
            with self._lock:
                request = self._try_put(call, is_cancelled)
                if request is None:
                    room = concurrent.futures.Future()
                    self._room_waiters.append(room)
            if request is not None:
                return await asyncio.wrap_future(request.future)
            try:
                await asyncio.wait_for(asyncio.wrap_future(room), max(deadline - self._clock(), 0))
            except asyncio.TimeoutError:
                self.metrics.count("rejected")
                raise QueueFullError(self._full_message(len(call.inputs)) + " (waited for room and gave up)") from None

    # -- running ---------------------------------------------------------------
    def _take(self) -> list[Request] | None:
        """Under the lock: cut a batch and tell blocked submitters there is room."""
        dropped = self.queue.dropped
        batch = self.queue.take()
        if self.queue.dropped != dropped:
            self.metrics.count("cancelled", self.queue.dropped - dropped)
        if batch is not None or self.queue.dropped != dropped:
            self.metrics.record_queue(depth=self.queue.depth, requests=len(self.queue))
            self._room.notify_all()
            while self._room_waiters:
                waiter = self._room_waiters.popleft()
                if not waiter.done():
                    waiter.set_result(None)
        return batch

    def run_once(self) -> bool:
        """Run the next batch if one is due now; returns whether one ran."""
        with self._lock:
            batch = self._take()
        if batch is None:
            return False
        self._run(batch)
        return True

    def _run(self, batch: list[Request]) -> None:
        started = self._clock()
        size = sum(request.size for request in batch)
        max_batch_size = self.queue.config.max_batch_size
        try:
            results = self._compute([request.call for request in batch], max_batch_size)
        except Exception as exc:  # the model failed: every request of the batch hears why
            self.metrics.count("errors", len(batch))
            for request in batch:
                request.future.set_exception(exc)
            return
        compute = self._clock() - started
        # Recorded before any caller hears back, so whoever sees a result sees its batch counted.
        self.metrics.record_batch(size=size, max_batch_size=max_batch_size,
                                  waits_s=[started - request.enqueued_at for request in batch], compute_s=compute)
        for request, result in zip(batch, results):
            request.future.set_result(result)
        self.tuner.observe(size, compute)
        if self.queue.config.adaptive:
            self._adapt()

    def _compute(self, calls: list[Call], max_batch_size: int) -> list[list[Any]]:
        # A request larger than a batch leaves alone (the queue never splits
        # requests); it still reaches the model in batch-sized pieces.
        if len(calls) == 1 and len(calls[0].inputs) > max_batch_size:
            call, outputs = calls[0], []
            for start in range(0, len(call.inputs), max_batch_size):
                piece = Call(call.task, call.inputs[start:start + max_batch_size], call.parameters)
                outputs.extend(self.model.run([piece])[0])
            return [outputs]
        results = self.model.run(calls)
        if len(results) != len(calls):
            raise RuntimeError(f"model {self.model.name!r} returned {len(results)} results for {len(calls)} calls")
        return results

    def _adapt(self) -> None:
        config = self.queue.config
        suggestion = self.tuner.suggest(latency_target_s=config.latency_target_s,
                                        ceiling=config.adaptive_max_batch_size,
                                        preferred_batch_sizes=config.preferred_batch_sizes)
        if suggestion and suggestion != (config.max_batch_size, config.max_wait_s):
            self.reconfigure(max_batch_size=suggestion[0], max_wait_s=suggestion[1])

    # -- the thread --------------------------------------------------------------
    def start(self) -> ModelWorker:
        """Start the worker thread (idempotent); returns self."""
        with self._lock:
            if self._thread is None:
                self._stopping = False
                self._thread = threading.Thread(target=self._loop, name=f"inference-{self.model.name}", daemon=True)
                self._thread.start()
        return self

    def _loop(self) -> None:
        while True:
            with self._lock:
                batch = self._take()
                while batch is None and not self._stopping:
                    deadline = self.queue.next_deadline()
                    self._work.wait(None if deadline is None else max(deadline - self._clock(), 0.0))
                    batch = self._take()
                if batch is None:
                    return
            self._run(batch)

    def stop(self, *, cancel_waiting: bool = True) -> None:
        """Stop the thread after the batch in hand; cancels requests still waiting."""
        with self._lock:
            self._stopping = True
            self._work.notify()
            waiting = self.queue.drain() if cancel_waiting else []
        for request in waiting:
            request.future.cancel()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None


_workers: dict[str, ModelWorker] = {}
_workers_lock = threading.Lock()


def get_worker(model: str) -> ModelWorker:
    """The running worker for ``model`` in this process, loading the model on first use.

    Loading takes seconds; call it off the event loop. Raises UnknownModel.
    """
    name = registry.canonical_name(model)
    with _workers_lock:
        worker = _workers.get(name)
        if worker is None:
            instance = registry.create_model(name)
            device = choose_device(half_safe=instance.half_safe)
            started = time.monotonic()
            instance.load(device)
            defaults = settings.batch_config(**instance.batch_defaults)
            config = knobs.config_with(defaults, knobs.overrides(name))  # as a user turned them
            metrics = metrics_for(name)
            metrics.reset()  # a new worker starts a new record; an old one's figures would mislead
            worker = _workers[name] = ModelWorker(instance, config=config, metrics=metrics).start()
            worker.defaults = defaults
            # The model's objects (torch modules, tokenizer tables: hundreds of thousands) live
            # as long as the process: out of the collector's sight, they cost no full collection.
            gc.collect()
            gc.freeze()
            log.info("inference: model %s on %s (%s, %s), loaded in %.1f s; batching %s", name,
                     device.torch_device, device.name, device.dtype_name, time.monotonic() - started,
                     config.as_dict())
        return worker


def running_worker(model: str) -> ModelWorker | None:
    """The worker for ``model`` if this process has started one; never loads. Raises UnknownModel."""
    return _workers.get(registry.canonical_name(model))


def shutdown_workers() -> None:
    """Stop every worker of this process (tests, and a worker's shutdown)."""
    with _workers_lock:
        workers = list(_workers.values())
        _workers.clear()
    for worker in workers:
        worker.stop()


def _forget_workers_after_fork() -> None:
    # Threads do not survive fork: a forked child (Celery prefork) loads its own.
    global _workers_lock
    _workers.clear()
    _workers_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_workers_after_fork)
