"""The embedded runtime: executions run on one asyncio loop inside the app process.

Parallel branches and Map iterations are tasks on that loop, so they really run
at once; a waiting execution holds no thread. Task handlers that block run on
a thread pool. History goes to the sink from one writer thread, in order, in
batches (every event produced in one loop turn is written together); a sink that
only queues (``queues_only``) is called from the loop itself.
"""
from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextvars
import logging
import queue
import threading
import time
from typing import Any

from executor.asl import Execution, Hooks, Outcome, StatesError
from executor.asl.history import is_activity
from executor.asl.jsonata_support import forget_thread_expressions
from executor.resources import InvocationContext, ResourceFailure, invoke

from . import lifecycle
from .base import ExecutionRequest, ExecutionResult, ExecutionSink
from .embedded_callbacks import CallbackBoard
from .replay import Replay

__all__ = ["EmbeddedRuntime", "MemorySink"]

log = logging.getLogger(__name__)

#: on a resumed execution, the interpreter's event last produced on the current asyncio task:
#: (raw event, persisted id)
_LAST: contextvars.ContextVar[tuple[dict, int] | None] = contextvars.ContextVar("sy_embedded_last",
                                                                                     default=None)


class MemorySink:
    """An ExecutionSink that keeps everything in memory (tests, benchmarks, EXPRESS)."""

    def __init__(self):
        self.events: dict[str, list[dict]] = {}
        self.results: dict[str, ExecutionResult] = {}
        self.children: dict[str, dict] = {}
        self._done: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def _event(self, arn: str) -> threading.Event:
        with self._lock:
            return self._done.setdefault(arn, threading.Event())

    def append_events(self, execution_arn: str, events: list[dict[str, Any]]) -> None:
        self.events.setdefault(execution_arn, []).extend(events)

    def execution_finished(self, execution_arn: str, result: ExecutionResult) -> None:
        self.results[execution_arn] = result
        self._event(execution_arn).set()

    def map_child(self, record: dict[str, Any]) -> None:
        """A Distributed Map's child execution: ``children[arn]`` is its latest record, with every
        event reported so far."""
        with self._lock:
            current = self.children.get(record["executionArn"])
            events = (current["events"] if current is not None else []) + record["events"]
            self.children[record["executionArn"]] = dict(record, events=events)

    def wait(self, execution_arn: str, timeout: float | None = None) -> ExecutionResult | None:
        self._event(execution_arn).wait(timeout)
        return self.results.get(execution_arn)


class _Running:
    __slots__ = ("task", "execution", "sink", "pending", "flush_scheduled", "abort")

    def __init__(self, sink: ExecutionSink):
        self.task: asyncio.Task | None = None
        self.execution: Execution | None = None
        self.sink = sink
        self.pending: list[dict] = []
        self.flush_scheduled = False
        self.abort: tuple[str | None, str | None] = (None, None)


#: What the embedded runtime says of activities, which it does not run.
NO_ACTIVITIES = ("The embedded runtime does not run activities: their workers poll from other processes, "
                 "which needs the Celery runtime. Start Redis (make run then uses the Celery runtime) or set "
                 "SWITCHYARD_RUNTIME=celery.")


class EmbeddedRuntime:
    """Runs executions on a private event loop thread. Thread-safe."""

    name = "embedded"
    in_process = True

    def __init__(self, *, max_workers: int = 32, secret: str | None = None):
        self._loop = asyncio.new_event_loop()
        self._loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(max_workers,
                                                                               thread_name_prefix="sy-task"))
        self._thread = threading.Thread(target=self._loop.run_forever, name="sy-embedded-loop", daemon=True)
        self._thread.start()
        self._writes: queue.Queue = queue.Queue()
        self._writer = threading.Thread(target=self._write_loop, name="sy-history-writer", daemon=True)
        self._writer.start()
        self._running: dict[str, _Running] = {}
        #: callback Tasks' tokens; the AWS endpoint in this process answers them (send_task_*)
        self.callbacks = CallbackBoard(self._loop, secret)
        self._closed = False
        atexit.register(self.close)

    # -- the Runtime protocol ------------------------------------------------------

    def start_execution(self, request: ExecutionRequest, sink: ExecutionSink) -> concurrent.futures.Future:
        """Begin running; returns a future of the ExecutionResult (already persisted to ``sink``)."""
        return asyncio.run_coroutine_threadsafe(self._start(request, sink), self._loop)

    def resume_execution(self, request: ExecutionRequest, persisted: list[dict],
                         sink: ExecutionSink) -> concurrent.futures.Future:
        """Go on with an execution this process was running when it stopped (a crash, a restart),
        from its persisted history: the interpreter re-runs from the start, Tasks whose end is
        recorded answer from the record, Waits and retry back-offs end when they would have, and
        only the events past the record are written. Tasks that were running are run again (at
        least once, as on AWS)."""
        return asyncio.run_coroutine_threadsafe(self._start(request, sink, persisted), self._loop)

    def run_sync(self, request: ExecutionRequest, sink: ExecutionSink,
                 timeout: float | None = None) -> ExecutionResult:
        future = self.start_execution(request, sink)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            self.stop_execution(request.execution_arn, "States.Timeout", "The execution timed out.")
            return future.result(5)

    def stop_execution(self, execution_arn: str, error: str | None, cause: str | None) -> bool:
        running = self._running.get(execution_arn)
        if running is None or running.task is None:
            return False
        self._loop.call_soon_threadsafe(self._abort, execution_arn, error, cause)
        return True

    def stop_map_child(self, execution_arn: str, child_arn: str, error: str | None, cause: str | None) -> bool:
        running = self._running.get(execution_arn)
        if running is None or running.execution is None:
            return False
        execution = running.execution

        async def stop() -> bool:
            return execution.stop_map_child(child_arn, error, cause)

        return asyncio.run_coroutine_threadsafe(stop(), self._loop).result(5)

    def is_running(self, execution_arn: str) -> bool:
        return execution_arn in self._running

    async def state_async(self, execution_arn: str) -> tuple[bool, None]:
        return execution_arn in self._running, None  # the end: as ``ended``

    def running(self) -> list[str]:
        """The ARNs of the executions running here now."""
        return list(self._running)

    def ended(self, execution_arn: str) -> ExecutionResult | None:
        """None: the sink is told of an end at once, in this process, and knows it (designer.sink)."""
        return None

    def recorded_ends(self, execution_arns: list[str], *, ended_before: float | None = None,
                      ) -> dict[str, tuple[ExecutionResult, list[dict]]]:
        """Empty: an execution's record lives in this process, which writes its sink."""
        return {}

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every history write queued so far has reached its sink."""
        done = threading.Event()
        self._writes.put((done.set, None, None, None))
        done.wait(timeout)

    def metrics(self) -> dict[str, Any]:
        """No queues here: every execution runs on this process's loop, its Task work on its threads."""
        return {"queues": {}, "workers": {}, "executions_running": len(self._running)}

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Compiled JSONata expressions must be dropped by the thread that made them.
        self._loop.call_soon_threadsafe(forget_thread_expressions)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._writes.put(None)
        self._thread.join(5)

    # -- on the loop ----------------------------------------------------------------

    async def _start(self, request: ExecutionRequest, sink: ExecutionSink,
                     persisted: list[dict] | None = None) -> ExecutionResult:
        running = _Running(sink)
        arn = request.execution_arn
        self._running[arn] = running

        def on_event(event: dict) -> None:
            if self._closed:  # closed with executions running: they are resumed from what was written
                return
            running.pending.append(event)
            if not running.flush_scheduled:
                running.flush_scheduled = True
                self._loop.call_soon(self._flush, arn, running)

        def task_token(key: str) -> str:
            return self.callbacks.token_for(arn, key)

        if persisted:
            hooks = _Resumed(persisted, self._invoke, on_event, task_token).hooks()
            log.info("resuming %s from its history: %d events", arn, len(persisted))
        else:
            hooks = Hooks(invoke=self._invoke, on_event=on_event, task_token=task_token)
        execution = lifecycle.start(request, hooks, sink)
        if isinstance(execution, Outcome):  # it could not start: fail loudly, lose nothing
            self._running.pop(arn, None)
            result = lifecycle.result_of(execution)
            self._write(sink, arn, None, result)
            return result
        running.execution = execution
        running.task = asyncio.current_task()
        try:
            outcome = await lifecycle.run_to_outcome(execution, lambda: execution.aborted(*running.abort))
        finally:
            self._running.pop(arn, None)
            self.callbacks.forget_execution(arn)
        result = lifecycle.result_of(outcome, execution)
        self._flush(arn, running)
        self._write(sink, arn, None, result)
        return result

    def _abort(self, arn: str, error: str | None, cause: str | None) -> None:
        running = self._running.get(arn)
        if running is not None and running.task is not None:
            running.abort = (error, cause)
            running.task.cancel()

    def _flush(self, arn: str, running: _Running) -> None:
        running.flush_scheduled = False
        if running.pending:
            batch, running.pending = running.pending, []
            self._write(running.sink, arn, batch, None)

    async def _invoke(self, resource: str, parameters: Any, info: dict) -> Any:
        if is_activity(resource):
            raise StatesError("States.Runtime", NO_ACTIVITIES)
        if resource.endswith(".waitForTaskToken"):
            return await self._callback(resource, parameters, info)
        context = InvocationContext(
            execution_arn=info["execution_arn"], state_name=info["state_name"], attempt=info["attempt"],
            task_token=info.get("task_token"), timeout_seconds=info.get("timeout_seconds"),
            heartbeat_seconds=info.get("heartbeat_seconds"), extra={"context": info.get("context")},
        )
        try:
            return await invoke(resource, parameters, context)
        except ResourceFailure as exc:
            raise StatesError(exc.error, exc.cause) from None

    async def _callback(self, resource: str, parameters: Any, info: dict) -> Any:
        """Call the base resource with the token, say TaskSubmitted, then wait for the answer."""
        token = self.callbacks.token_for(info["execution_arn"], info["key"])
        try:
            submitted = await self._invoke(resource[: -len(".waitForTaskToken")], parameters,
                                           {**info, "task_token": token})
            info["submitted"](submitted)
            record = await self.callbacks.wait(token, info.get("heartbeat_seconds"))
        finally:
            self.callbacks.forget(token)
        if "error" in record:
            raise StatesError(record.get("error"), record.get("cause"))
        return record["ok"]

    # -- the writer thread ------------------------------------------------------------------

    def _write(self, sink: ExecutionSink, arn: str, events: list[dict] | None, result: ExecutionResult | None) -> None:
        """Hand ``events`` or ``result`` to the sink: at once when it only queues, else through the writer."""
        if getattr(sink, "queues_only", False):
            _deliver(sink, arn, events, result)
        else:
            self._writes.put((sink, arn, events, result))

    def _write_loop(self) -> None:
        while True:
            item = self._writes.get()
            if item is None:
                return
            sink, arn, events, result = item
            if callable(sink) and arn is None:
                sink()
            else:
                _deliver(sink, arn, events, result)


def _deliver(sink: ExecutionSink, arn: str, events: list[dict] | None, result: ExecutionResult | None) -> None:
    try:
        if events:
            sink.append_events(arn, events)
        elif result is not None:
            sink.execution_finished(arn, result)
    except Exception:  # a failing sink must not stop other executions' history
        log.exception("writing history of %s failed", arn)


class _Resumed:
    """The hooks of an execution resumed from its persisted history (see resume_execution)."""

    def __init__(self, persisted: list[dict], invoke, on_event, task_token):
        self.replay = Replay(persisted)
        self.invoke, self.write, self.task_token = invoke, on_event, task_token

    def hooks(self) -> Hooks:
        return Hooks(invoke=self._invoke, sleep=self._sleep, sleep_until=self._sleep_until, on_event=self._on_event,
                     task_token=self.task_token)

    def _on_event(self, event: dict) -> None:
        rid = event["id"]
        mapped = self.replay.map(event, fresh=False)
        _LAST.set((event, self.replay.idmap[rid]))
        if mapped is not None:
            self.write(mapped)

    async def _invoke(self, resource: str, parameters: Any, info: dict) -> Any:
        last = _LAST.get()
        record = self.replay.ended(*last) if last is not None else None
        if record is None:
            return await self.invoke(resource, parameters, info)
        if "error" in record:  # it ended before the stop: its end is in the history
            raise StatesError(record["error"], record.get("cause"))
        return record["ok"]

    async def _sleep(self, seconds: float) -> None:
        last = _LAST.get()
        began = self.replay.began_at(last[1]) if last is not None else None
        if began is not None:  # the wait began before the stop: it ends when it would have
            seconds = began + seconds - time.time()
        if seconds > 0:
            await asyncio.sleep(seconds)

    @staticmethod
    async def _sleep_until(until: float) -> None:
        seconds = until - time.time()
        if seconds > 0:
            await asyncio.sleep(seconds)
