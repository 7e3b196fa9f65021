"""The Celery runtime: executions run on Celery workers, coordinated through Redis.

The process that starts an execution (the web server) only records the request
and queues its ARN (one Redis round trip); the driver host of a state-worker
process pops it and holds the execution from then on (:mod:`executor.runtime.host`),
so restarting the web server stops nothing.

An execution of a self-contained state machine (Pass, Choice, Succeed and Fail states only:
nothing to call, wait for or fan out) is the exception: the starting process runs it to its end
at once, within a small budget (``decide_here_ms``), and records it in Redis as a driver that
had finished it would (:func:`executor.runtime.lifecycle.run_alone`, :func:`store.save_ended`).
A hand-off to a worker would cost more than the whole run. One still running past the budget (a
long Choice loop) goes to the workers as any other, as if it had never been tried.

Where the history goes:

* workers started with ``SWITCHYARD_SINK=module:factory`` write it to that sink
  themselves (the designer's database) as it happens;
* with ``mirror_history=True`` this process copies each execution's history from
  the Redis record into the sink given to :meth:`start_execution` (tests, or a
  SQLite database that wants a single writer). Executions being mirrored are
  listed in Redis, so a restarted process given ``recovery_sink`` resumes them.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import os
import threading
import time
import weakref
from typing import Any

import redis
import redis.asyncio as aioredis

from . import lifecycle, store
from .base import ExecutionRequest, ExecutionResult, ExecutionSink
from .ends import Ends
from .metrics import runtime_metrics
from .store import START_GRACE_S, adopt_request, keys, load_result, loads_events, notify, save_request, sync_client
from .store import redis_url as default_redis_url

__all__ = ["CeleryRuntime", "ExecutionAlreadyExists"]

log = logging.getLogger(__name__)

#: how long the starting process may run a self-contained execution before handing it to the workers
DECIDE_HERE_MS = float(os.environ.get("SWITCHYARD_DECIDE_HERE_MS", "20"))


class ExecutionAlreadyExists(Exception):
    """An execution with this ARN was started before."""


class _Tracked:
    """An execution whose history the pump copies: ``cursor`` counts the records (batches of
    events) of its log copied so far, ``last_id`` is the last event id copied (None: none yet)."""

    __slots__ = ("sink", "future", "cursor", "last_id")

    def __init__(self, sink: ExecutionSink | None, cursor: int = 0, last_id: int | None = None):
        self.sink = sink
        self.future: concurrent.futures.Future = concurrent.futures.Future()
        self.cursor = cursor
        self.last_id = last_id


class _ResultFuture(concurrent.futures.Future):
    """The result of an execution nobody here copies history for: read from Redis when asked, so
    that starting thousands of executions costs this process nothing while they run."""

    def __init__(self, runtime: CeleryRuntime, arn: str):
        super().__init__()
        self._runtime, self._arn = runtime, arn

    def result(self, timeout: float | None = None) -> ExecutionResult:
        if not self.done():
            result = self._runtime.wait(self._arn, timeout if timeout is not None else 365 * 24 * 3600.0)
            if result is None:
                raise concurrent.futures.TimeoutError()
            self.set_result(result)
        return super().result(0)


class CeleryRuntime:
    """The Runtime protocol over Celery workers. Thread-safe."""

    name = "celery"
    in_process = False

    def __init__(self, *, app: Any, redis_url: str | None = None, mirror_history: bool = False,
                 recovery_sink: ExecutionSink | None = None, poll_interval: float = 0.005,
                 decide_here_ms: float | None = None):
        self.app = app
        # 0: every execution goes to the workers (tests of the drivers themselves)
        self.decide_here_s = (DECIDE_HERE_MS if decide_here_ms is None else decide_here_ms) / 1000
        self.redis_url = redis_url or default_redis_url()
        self.client = sync_client(self.redis_url)
        # state_async's clients, one per event loop that asks (a client belongs to its loop)
        self._loop_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._ends = Ends(self.redis_url)  # the ends of executions started here, as drivers announce them
        self.mirror = mirror_history
        self.poll_interval = poll_interval
        self._tracked: dict[str, _Tracked] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        if mirror_history:  # only a mirroring process copies history or waits on its executions
            threading.Thread(target=self._pump_loop, name="sy-celery-history", daemon=True).start()
        if mirror_history and recovery_sink is not None:
            self._recover(recovery_sink)

    # -- the Runtime protocol ------------------------------------------------------------

    def start_execution(self, request: ExecutionRequest, sink: ExecutionSink | None = None
                        ) -> concurrent.futures.Future:
        """Record the request and queue it for the driver hosts (one Redis round trip); returns a future
        of the ExecutionResult.
        Raises ExecutionAlreadyExists for an ARN already used, redis.ConnectionError without Redis."""
        return self._start(request, sink, polled=True)

    def _start(self, request: ExecutionRequest, sink: ExecutionSink | None, *, polled: bool
               ) -> concurrent.futures.Future:
        arn = request.execution_arn
        if self.decide_here_s > 0:
            decided = self._decide_here(request, sink)
            if decided is not None:
                return decided
        if request.redrive:  # the run that ended leaves its records; the redriven one starts afresh
            self.client.delete(*(keys.x(arn, part) for part in keys.ALL))
        if polled:  # before it can end: state_async answers from memory while it runs
            self._ends.watch(arn)
        # Should the start message be lost, or wait long behind other work, a host adopts it then.
        try:
            saved = save_request(self.client, request, lease=time.time() + START_GRACE_S, mirror=self.mirror)
        except BaseException:
            self._ends.forget(arn)
            raise
        if not saved:
            self._ends.forget(arn)
            raise ExecutionAlreadyExists(arn)
        future: concurrent.futures.Future = _ResultFuture(self, arn)
        if self.mirror:
            tracked = _Tracked(sink)
            future = tracked.future
            with self._lock:
                self._tracked[arn] = tracked
        self._wake.set()
        return future

    def _decide_here(self, request: ExecutionRequest, sink: ExecutionSink | None) -> concurrent.futures.Future | None:
        """Run a self-contained execution to its end in this thread, record it and give it to ``sink``;
        None, with nothing recorded, for any other (see the module's docstring)."""
        ran = lifecycle.run_alone(request, self.decide_here_s)
        if ran is None:
            return None
        events, result = ran
        if not store.save_ended(self.client, request, events, result):
            raise ExecutionAlreadyExists(request.execution_arn)
        if sink is not None:  # no driver's sink or mirror will write it: this process does
            sink.append_events(request.execution_arn, events)
            sink.execution_finished(request.execution_arn, result)
        future: concurrent.futures.Future = concurrent.futures.Future()
        future.set_result(result)
        return future

    def resume_execution(self, request: ExecutionRequest, persisted: list[dict],
                         sink: ExecutionSink | None = None) -> concurrent.futures.Future | None:
        """Take over an execution that Redis does not know (it ran on the embedded runtime, or Redis lost
        its records) from its persisted history: a driver host resumes it as after a crash. None, and
        nothing changes, when Redis has the execution already (its own hosts resume it)."""
        arn = request.execution_arn
        if not adopt_request(self.client, request, persisted, lease=time.time() + START_GRACE_S, mirror=self.mirror):
            return None
        future: concurrent.futures.Future = _ResultFuture(self, arn)
        if self.mirror:  # the log begins with the persisted events, in one record: copy what follows
            tracked = _Tracked(sink, last_id=max((int(e["id"]) for e in persisted), default=None))
            future = tracked.future
            with self._lock:
                self._tracked[arn] = tracked
        self._wake.set()
        return future

    def run_sync(self, request: ExecutionRequest, sink: ExecutionSink | None = None,
                 timeout: float | None = None) -> ExecutionResult:
        future = self._start(request, sink, polled=False)
        if not self.mirror and not future.done():  # wake on the driver's signal rather than the next poll
            result = self.wait(request.execution_arn, timeout if timeout is not None else 365 * 24 * 3600.0)
            if result is not None:
                return result
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            self.stop_execution(request.execution_arn, "States.Timeout", "The execution timed out.")
            return future.result(30)

    def stop_execution(self, execution_arn: str, error: str | None, cause: str | None) -> bool:
        """Ask the driver to abort; False when no such execution runs."""
        req, result = self.client.mget(keys.x(execution_arn, "req"), keys.x(execution_arn, "result"))
        if req is None or result is not None:
            return False
        pipe = self.client.pipeline(transaction=False)
        pipe.set(keys.x(execution_arn, "stop"), json.dumps({"error": error, "cause": cause}), nx=True)
        notify(pipe, execution_arn, {"stop": 1})
        pipe.execute()
        return True

    def stop_map_child(self, execution_arn: str, child_arn: str, error: str | None, cause: str | None) -> bool:
        """Ask the parent's driver to abort one child of its Distributed Map; False when the parent
        does not run."""
        req, result = self.client.mget(keys.x(execution_arn, "req"), keys.x(execution_arn, "result"))
        if req is None or result is not None:
            return False
        notify(self.client, execution_arn, {"stop_child": child_arn, "error": error, "cause": cause})
        return True

    # -- reading the Redis record -----------------------------------------------------------

    def result(self, execution_arn: str) -> ExecutionResult | None:
        return load_result(self.client.get(keys.x(execution_arn, "result")))

    def ended(self, execution_arn: str) -> ExecutionResult | None:
        """From Redis, where the driver records the end before its worker's sink writes it."""
        try:
            return self.result(execution_arn)
        except redis.RedisError:
            return None

    def wait(self, execution_arn: str, timeout: float) -> ExecutionResult | None:
        """Wait for the end of any execution (not only those started here); None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.result(execution_arn)
            remaining = deadline - time.monotonic()
            if result is not None or remaining <= 0:
                return result
            self.client.blpop([keys.x(execution_arn, "fin")], timeout=min(remaining, 1.0))

    def history_page(self, execution_arn: str, *, offset: int = 0, limit: int = 100) -> list[dict]:
        """Events ``offset`` to ``offset + limit`` of the recorded history (the log holds batches of
        events, so it is read whole)."""
        return loads_events(self.client.lrange(keys.x(execution_arn, "ev"), 0, -1))[offset:offset + limit]

    def recorded_ends(self, execution_arns: list[str], *, ended_before: float | None = None,
                      ) -> dict[str, tuple[ExecutionResult, list[dict]]]:
        """From Redis, where a driver (or the process that decided an execution) records the end and
        every event before its sink writes them; two round trips for any number of executions."""
        if not execution_arns:
            return {}
        results = self.client.mget([keys.x(arn, "result") for arn in execution_arns])
        ended = [(arn, result) for arn, text in zip(execution_arns, results)
                 if (result := load_result(text)) is not None
                 and (ended_before is None or result.stop_time is None or result.stop_time < ended_before)]
        if not ended:
            return {}
        pipe = self.client.pipeline(transaction=False)
        for arn, _ in ended:
            pipe.lrange(keys.x(arn, "ev"), 0, -1)
        return {arn: (result, loads_events(records)) for (arn, result), records in zip(ended, pipe.execute())}

    def is_running(self, execution_arn: str) -> bool:
        return bool(self.client.sismember(keys.RUNNING, execution_arn))

    async def state_async(self, execution_arn: str) -> tuple[bool | None, ExecutionResult | None]:
        """From Redis in one round trip on the caller's loop: the driver drops the execution from
        the running set as it records its end, in one transaction. (None, None) while Redis does
        not answer. An execution started here is answered from memory while it runs and at its end,
        once, where the end is announced (executor/runtime/ends.py)."""
        known = self._ends.state(execution_arn)
        if known is not None:
            running, record = known
            if running:
                return True, None
            if record is not None:
                return False, load_result(record)
        loop = asyncio.get_running_loop()
        client = self._loop_clients.get(loop)
        if client is None:
            client = self._loop_clients[loop] = aioredis.Redis.from_url(
                self.redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            running, result = await (client.pipeline(transaction=False).sismember(keys.RUNNING, execution_arn)
                                     .get(keys.x(execution_arn, "result")).execute())
        except (redis.RedisError, OSError):
            return None, None
        return bool(running), load_result(result)

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until what the workers have recorded so far has been copied to the sinks."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                behind = [(arn, t.cursor) for arn, t in self._tracked.items() if t.sink is not None]
            if not behind or all(self.client.llen(keys.x(arn, "ev")) <= cursor for arn, cursor in behind):
                return
            time.sleep(self.poll_interval)

    def metrics(self) -> dict[str, Any]:
        """Queue depth per Celery queue, per worker what its pool runs, and executions held per
        driver host (:func:`executor.runtime.metrics.runtime_metrics`)."""
        return runtime_metrics(self.client)

    def close(self) -> None:
        self._closed = True
        self._ends.close()
        self._wake.set()
        for loop, client in list(self._loop_clients.items()):
            if loop.is_running():
                asyncio.run_coroutine_threadsafe(client.aclose(), loop)
        self._loop_clients.clear()

    # -- the history pump ----------------------------------------------------------------------

    def _recover(self, sink: ExecutionSink) -> None:
        for raw in self.client.smembers(keys.MIRROR):
            arn = raw.decode()
            cursor = int(self.client.get(keys.x(arn, "mcur")) or 0)
            with self._lock:
                self._tracked.setdefault(arn, _Tracked(sink, cursor))

    def _pump_loop(self) -> None:
        while not self._closed:
            with self._lock:
                tracked = list(self._tracked.items())
            if not tracked:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            try:
                busy = self._pump_once(tracked)
            except redis.RedisError:
                log.warning("reading execution records failed; retrying", exc_info=True)
                busy = False
                time.sleep(0.5)
            if not busy:
                time.sleep(self.poll_interval)

    def _pump_once(self, tracked: list[tuple[str, _Tracked]]) -> bool:
        pipe = self.client.pipeline(transaction=False)
        for arn, t in tracked:
            # The result is read first: when it is there, every event was written before it.
            pipe.get(keys.x(arn, "result"))
            if t.sink is not None:
                pipe.lrange(keys.x(arn, "ev"), t.cursor, t.cursor + 4999)
                pipe.llen(keys.x(arn, "ev"))
        replies = iter(pipe.execute())
        busy = False
        for arn, t in tracked:
            result = load_result(next(replies))
            if t.sink is not None:
                records, length = next(replies), next(replies)
                events = self._new_events(arn, t, records, length, ended=result is not None)
                if events:
                    busy = True
                    try:
                        t.sink.append_events(arn, events)
                    except Exception:
                        log.exception("the sink failed to take events of %s", arn)
                if records or events:
                    self.client.set(keys.x(arn, "mcur"), t.cursor, ex=7 * 24 * 3600)
            if result is not None:
                self._finished(arn, t, result)
        return busy

    def _new_events(self, arn: str, t: _Tracked, records: list[bytes], length: int, *, ended: bool) -> list[dict]:
        """The events of ``records`` (a page of the log from the cursor on; the log holds ``length``
        records) past the last one copied, moving the cursor on. Once the execution has ended, the
        rest of the log is read too (every event was written before its result). The log is read
        whole when it is shorter than the cursor or its events do not follow on from the last one
        copied: a Redis that came back empty holds the log the driver wrote again, in other batches."""
        log_key = keys.x(arn, "ev")
        events = loads_events(records)
        if length < t.cursor or (events and t.last_id is not None and int(events[0]["id"]) > t.last_id + 1):
            records = self.client.lrange(log_key, 0, -1)
            events, t.cursor = loads_events(records), 0
        elif ended and length > t.cursor + len(records):
            rest = self.client.lrange(log_key, t.cursor + len(records), -1)
            records, events = records + rest, events + loads_events(rest)
        t.cursor += len(records)
        if t.last_id is not None:
            events = [e for e in events if int(e["id"]) > t.last_id]
        if events:
            t.last_id = int(events[-1]["id"])  # the log is in id order
        return events

    def _finished(self, arn: str, t: _Tracked, result: ExecutionResult) -> None:
        if t.sink is not None:
            try:
                t.sink.execution_finished(arn, result)
            except Exception:
                log.exception("the sink failed to record the end of %s", arn)
            self.client.srem(keys.MIRROR, arn)
        with self._lock:
            self._tracked.pop(arn, None)
        if not t.future.done():
            t.future.set_result(result)
