"""A Map Run: the child executions of one Distributed Map run, within a concurrency limit that
UpdateMapRun may change, with the counts DescribeMapRun reports and the entries a ResultWriter
writes."""
from __future__ import annotations

import asyncio
import collections
import contextvars
from typing import Any, Iterator

from .errors import STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD, StatesError
from .history import EventLog, dumps
from .scope import CHILD_CHECKPOINTS, TRUNC, Fatal, Frame, iso_time, state_uuid
from .states import MapState

__all__ = ["MapRun", "DEFAULT_CONCURRENCY", "REPORT_EVERY_S", "MAX_CHILD_BACKLOG"]

#: With MaxConcurrency 0, AWS runs "up to 10,000 parallel child workflow executions".
DEFAULT_CONCURRENCY = 10_000
#: How often a running Map Run is reported to the runtime (and UpdateMapRun read back), in seconds.
REPORT_EVERY_S = 0.25
#: Child records (a start or an end, with its events) the runtime may hold unwritten before the
#: Map waits to start more children.
MAX_CHILD_BACKLOG = 64
_COUNT_KEYS = ("pending", "running", "succeeded", "failed", "timedOut", "aborted", "total", "resultsWritten",
               "failuresNotRedrivable", "pendingRedrive")


class _Ready:
    """Child inputs that cost nothing to take (an array's)."""

    def __init__(self, inputs: Iterator[tuple[Any, int]]):
        self.inputs = inputs

    async def next(self) -> tuple[Any, int] | None:
        return next(self.inputs, None)


class _Chunked(_Ready):
    """Child inputs taken from a blocking reader on a worker thread, in the Map's context (so
    ItemSelector's random values are the Map's, as on the loop). A trip takes up to CHUNK items,
    or one batch when batches are larger, so what waits in the buffer stays small."""

    CHUNK = 64

    def __init__(self, inputs: Iterator[tuple[Any, int]]):
        super().__init__(inputs)
        self.buffer: collections.deque = collections.deque()
        self.context = contextvars.copy_context()
        self.error: BaseException | None = None
        self.done = False

    def _take(self) -> list:
        chunk: list = []
        items = 0
        try:
            for taken in self.inputs:
                chunk.append(taken)
                items += taken[1]
                if items >= self.CHUNK:
                    return chunk
        except BaseException as exc:  # raised once the inputs read before it have run
            self.error = exc
        self.done = True
        return chunk

    async def next(self) -> tuple[Any, int] | None:
        if not self.buffer and not self.done:
            chunk = await asyncio.get_running_loop().run_in_executor(None, self.context.run, self._take)
            self.buffer.extend(chunk)
        if self.buffer:
            return self.buffer.popleft()
        if self.error is not None:
            raise self.error
        return None


class _ChildLog(EventLog):
    """A child execution's history, numbered from 1 like any execution's. Kept only where the
    runtime records children (``Hooks.map_child``), and only until the next report takes it, so a
    Map Run holds the events of its running children, never of the finished ones."""

    __slots__ = ("keep", "context")

    def __init__(self, clock, keep: bool, context: dict):
        super().__init__(None, clock)
        self.keep = keep
        self.context = context  # ``$$.Execution`` and ``$$.StateMachine`` in the child: its own

    def add(self, event_type: str, previous: int, details: dict | None) -> int:
        if self.keep:
            return super().add(event_type, previous, details)
        event_id = self.next_id
        self.next_id += 1
        return event_id

    def take(self) -> list[dict]:
        events, self.events = self.events, []
        return events


class _Limit:
    """A concurrency limit that UpdateMapRun may change while children run (one acquirer)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.running = 0
        self.freed = asyncio.Event()

    async def acquire(self, abort: asyncio.Event) -> None:
        while self.running >= (self.limit or DEFAULT_CONCURRENCY) and not abort.is_set():
            self.freed.clear()
            await self.freed.wait()
        self.running += 1

    def release(self) -> None:
        self.running -= 1
        self.freed.set()

    def set(self, limit: int) -> None:
        self.limit = limit
        self.freed.set()


class _Counts:
    __slots__ = _COUNT_KEYS

    def __init__(self):
        for key in _COUNT_KEYS:
            setattr(self, key, 0)

    def as_dict(self) -> dict:
        return {key: getattr(self, key) for key in _COUNT_KEYS}


class MapRun:
    """One Map Run: pulls child inputs, runs children within the limit, keeps counts and results."""

    def __init__(self, execution, state: MapState, run_arn: str, max_concurrency: int, tolerated: tuple,
                 total: int | None, path: str):
        self.execution = execution
        self.state = state
        self.run_arn = run_arn
        self.limit = _Limit(max_concurrency)
        self.tolerated_count, self.tolerated_pct = tolerated
        self.total = total  # known once the source is exhausted (at once for an array)
        # What the output or the ResultWriter needs, and no more: AWS's full entry (with the child's
        # input) only where it is written, the output only where it is returned.
        writer = state.result_writer
        transformation = writer and (writer.transformation or ("NONE" if writer.resource else "COMPACT"))
        self.entry_statuses = ({"SUCCEEDED", "FAILED", "ABORTED"} if transformation == "NONE"
                               else {"FAILED", "ABORTED"} if writer else set())
        self.keep_outputs = transformation != "NONE"
        self.path = path
        self.items, self.children = _Counts(), _Counts()
        self.outputs: dict[int, Any] = {}
        self.entries: dict[int, tuple] = {}  # index -> (status, entry) for the ResultWriter
        self.tasks: set[asyncio.Task] = set()
        self.running: dict[str, asyncio.Task] = {}  # child execution ARN -> its task, while it runs
        self.stopping: dict[str, tuple] = {}  # child ARN -> (error, cause) of a StopExecution on its way
        self.stopped_items = 0  # items of children stopped on their own: failures to the thresholds
        self.abort = asyncio.Event()
        self.abort_error: StatesError | None = None
        self.status = "RUNNING"
        self.started = execution.hooks.now()
        self.stopped: float | None = None
        label = state.label or state.name
        info = execution.info
        self.child_machine_arn = f"{info.state_machine_arn}/{label}"
        self.child_arn_base = f"{info.state_machine_arn.replace(':stateMachine:', ':execution:')}/{label}"

    # -- running -------------------------------------------------------------------

    async def run(self, inputs: Iterator[tuple[Any, int]], blocking: bool = False) -> None:
        """Run a child for each input; ``blocking`` inputs (a reader's) are taken on a worker thread,
        a chunk at a time, so reading a file never holds up the loop other executions share."""
        reporter = None
        if self.execution.hooks.map_run is not None:
            await self.report()
            reporter = asyncio.ensure_future(self._report_loop())
        try:
            await self._start_children(_Chunked(inputs) if blocking else _Ready(inputs))
            while self.tasks and not self.abort.is_set():
                await asyncio.wait(set(self.tasks), return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            await self._cancel_children()
            self.status = "ABORTED"
            raise
        finally:
            if reporter is not None:
                reporter.cancel()
        if self.abort_error is not None:
            await self._cancel_children()
            raise self.abort_error

    async def _start_children(self, inputs: _Ready) -> None:
        index = 0
        while not self.abort.is_set():
            await self.limit.acquire(self.abort)
            if self.abort.is_set():
                self.limit.release()
                return
            try:
                await self._wait_for_recorder()
                taken = await inputs.next()
            except BaseException:
                self.limit.release()
                raise
            if taken is None:
                self.limit.release()
                break
            child_input, size = taken
            self.items.total += size
            self.items.running += size
            self.children.total += 1
            self.children.running += 1
            name = state_uuid()  # drawn here, in order, so a replay names children alike
            task = asyncio.ensure_future(self._child(index, child_input, size, name))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            arn = f"{self.child_arn_base}:{name}"
            self.running[arn] = task
            task.add_done_callback(lambda _, arn=arn: self.running.pop(arn, None))
            index += 1
            if index % 64 == 0:
                await asyncio.sleep(0)  # let started children run while the reader is read
        self.total = self.items.total
        self._check_threshold()

    async def _wait_for_recorder(self) -> None:
        """Hold new children while the runtime is behind with writing the ones reported."""
        backlog = self.execution.hooks.map_child_backlog
        if backlog is None:
            return
        pause = 0.005
        while backlog() > MAX_CHILD_BACKLOG and not self.abort.is_set():
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)

    async def _child(self, index: int, value: Any, size: int, name: str) -> None:
        ex = self.execution
        started = ex.hooks.now()
        position = f"{self.path}[{index}]"
        done = ex.hooks.completed(position) if ex.hooks.completed is not None else None
        if done is not None:  # a redrive runs again only the children that did not succeed
            self.limit.release()
            self._finished(index, size, "SUCCEEDED", value, done.get("output"), None, name, started)
            return
        held: dict = {}
        token = CHILD_CHECKPOINTS.set(held)
        try:
            await self._run_child(index, value, size, name, started, position, held)
        finally:
            CHILD_CHECKPOINTS.reset(token)

    async def _run_child(self, index: int, value: Any, size: int, name: str, started: float, position: str,
                         held: dict) -> None:
        ex, state = self.execution, self.state
        log = _ChildLog(ex.hooks.now, keep=ex.hooks.map_child is not None,
                        context=self._child_context(name, value, started))
        input_text = dumps(value)
        first = log.add("ExecutionStarted", 0, {"input": input_text, "inputDetails": TRUNC,
                                                "roleArn": ex.info.role_arn})
        self._report_child(log, name, size, "RUNNING", input_text, started)
        frame = Frame(first, log, {}, {"Index": index, "Value": value}, position, position)
        error: StatesError | None = None
        try:
            output = await ex.run_machine(state.processor, value, frame)
        except Fatal as fatal:  # a child execution's fatal error fails that child only
            error = fatal.error
        except StatesError as exc:
            error = exc
        except asyncio.CancelledError:
            stop = self.stopping.pop(f"{self.child_arn_base}:{name}", None)
            stopped = StatesError(*stop) if stop is not None else None
            log.add("ExecutionAborted", log.next_id - 1,
                    {k: v for k, v in zip(("error", "cause"), stop or ()) if v is not None})
            self._report_child(log, name, size, "ABORTED", input_text, started, error=stopped)
            self._finished(index, size, "ABORTED", value, None, stopped, name, started)
            if stopped is None:  # the Map itself ends
                raise
            self.stopped_items += size  # stopped on its own: its Map goes on, as after a failure
            if self.abort_error is None and self._over_threshold():
                self._fail(None)
            return
        finally:
            self.limit.release()
        checkpoint = ex.hooks.on_checkpoint
        if error is None:
            if checkpoint is not None:
                checkpoint(position, {"output": output})
            log.add("ExecutionSucceeded", frame.last, {"output": dumps(output), "outputDetails": TRUNC})
            self._report_child(log, name, size, "SUCCEEDED", input_text, started, output=output)
            self._finished(index, size, "SUCCEEDED", value, output, None, name, started)
            return
        if checkpoint is not None:  # a redrive goes on from the child's failed state
            for key, record in held.items():
                checkpoint(key, record)
        log.add("ExecutionFailed", frame.last, {k: v for k, v in (("error", error.error), ("cause", error.cause))
                                                 if v is not None})
        self._report_child(log, name, size, "FAILED", input_text, started, error=error)
        self._finished(index, size, "FAILED", value, None, error, name, started)
        if self.abort_error is None and self._over_threshold():
            self._fail(error)

    def _child_context(self, name: str, value: Any, started: float) -> dict:
        """What ``$$`` says of the execution in a child: the child execution, of the child state
        machine (the parent's redrive count, as each redrive runs the children again that did not
        succeed)."""
        parent = self.execution.base_context()
        return {"Execution": {**parent["Execution"], "Id": f"{self.child_arn_base}:{name}", "Name": name,
                              "Input": value, "StartTime": iso_time(started)},
                "StateMachine": {"Id": self.child_machine_arn, "Name": self.child_machine_arn.split(":")[-1]}}

    def _report_child(self, log: _ChildLog, name: str, size: int, status: str, input_text: str, started: float,
                      output: Any = None, error: StatesError | None = None) -> None:
        """Hand the runtime a child execution as it starts and as it ends, with the events since."""
        hook = self.execution.hooks.map_child
        if hook is None:
            return
        record = {"mapRunArn": self.run_arn, "executionArn": f"{self.child_arn_base}:{name}", "name": name,
                  "stateMachineArn": self.child_machine_arn, "status": status, "input": input_text,
                  "itemCount": size, "startDate": started, "stopDate": None, "events": log.take()}
        if status != "RUNNING":
            record["stopDate"] = self.execution.hooks.now()
        if status == "SUCCEEDED":
            record["output"] = dumps(output)
        elif error is not None:
            record.update(error=error.error, cause=error.cause)
        hook(record)

    def _finished(self, index, size, status, value, output, error, name, started) -> None:
        self.items.running -= size
        self.children.running -= 1
        counter = {"SUCCEEDED": "succeeded", "FAILED": "failed", "ABORTED": "aborted"}[status]
        setattr(self.items, counter, getattr(self.items, counter) + size)
        setattr(self.children, counter, getattr(self.children, counter) + 1)
        if status == "SUCCEEDED" and self.keep_outputs:
            self.outputs[index] = output
        if status in self.entry_statuses:
            self.entries[index] = (status, self._entry(status, value, output, error, name, started))

    def _entry(self, status, value, output, error, name, started) -> dict:
        """One child as AWS's ResultWriter lists it (Transformation NONE)."""
        entry = {"ExecutionArn": f"{self.child_arn_base}:{name}", "Input": dumps(value),
                 "InputDetails": {"Included": True}, "Name": name}
        if status == "SUCCEEDED":
            entry.update({"Output": dumps(output), "OutputDetails": {"Included": True}})
        elif error is not None:
            entry.update({k: v for k, v in (("Error", error.error), ("Cause", error.cause)) if v is not None})
        entry.update({"RedriveCount": 0, "RedriveStatus": "NOT_REDRIVABLE",
                      "RedriveStatusReason": f"Execution is {status} and cannot be redriven",
                      "StartDate": iso_time(started), "StateMachineArn": self.child_machine_arn,
                      "Status": status, "StopDate": iso_time(self.execution.hooks.now())})
        return entry

    # -- tolerated failures ------------------------------------------------------------

    def stop_child(self, child_arn: str, error: str | None, cause: str | None) -> bool:
        """Stop one running child (StopExecution of it); False when it is not running here."""
        task = self.running.get(child_arn)
        if task is None or task.done() or child_arn in self.stopping:
            return task is not None
        self.stopping[child_arn] = (error, cause)
        task.cancel()
        return True

    def _over_threshold(self) -> bool:
        """Whether the failed items (with those of children stopped on their own) pass a threshold. A
        percentage is judged once the number of items is known (an array at once, a reader when it is
        read to its end)."""
        failed, count, pct = self.items.failed + self.stopped_items, self.tolerated_count, self.tolerated_pct
        if count is None and pct is None:
            return failed > 0
        if count is not None and failed > count:
            return True
        return pct is not None and bool(self.total) and failed * 100.0 / self.total > pct

    def _check_threshold(self) -> None:
        if self.abort_error is None and (self.items.failed or self.stopped_items) and self._over_threshold():
            self._fail(None)

    def _fail(self, child_error: StatesError | None) -> None:
        if self.tolerated_count is not None or self.tolerated_pct is not None or child_error is None:
            child_error = StatesError(STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD,
                                      "The specified tolerated failure threshold was exceeded")
        self.abort_error = child_error
        self.abort.set()
        self.limit.freed.set()

    async def _cancel_children(self) -> None:
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- the Map Run record --------------------------------------------------------------

    def record(self) -> dict:
        """DescribeMapRun's fields. Items not started yet are ``pending`` once their number is known
        (an array's at once; a reader's when read to its end, by which time all have started)."""
        items, children = self.items.as_dict(), self.children.as_dict()
        if self.total is not None and self.total > items["total"] and self.status == "RUNNING":
            not_started = self.total - items["total"]
            items.update(pending=not_started, total=self.total)
            if self.state.item_batcher is None:  # one child an item
                children.update(pending=not_started, total=self.total)
        return {"mapRunArn": self.run_arn, "executionArn": self.execution.info.execution_arn,
                "stateName": self.state.name, "status": self.status, "startDate": self.started,
                "stopDate": self.stopped, "maxConcurrency": self.limit.limit,
                "toleratedFailurePercentage": float(self.tolerated_pct or 0),
                "toleratedFailureCount": int(self.tolerated_count or 0),
                "itemCounts": items, "executionCounts": children}

    async def report(self) -> None:
        hook = self.execution.hooks.map_run
        if hook is None:
            return
        record = self.record()
        try:
            updates = await asyncio.get_running_loop().run_in_executor(None, hook, record)
        except Exception:  # the record is for people watching; it never fails the run
            return
        changed = {k: v for k, v in (updates or {}).items() if v is not None and record.get(k) != v}
        if changed and self.status == "RUNNING":
            self.apply(changed)

    def apply(self, updates: dict) -> None:
        """UpdateMapRun's settings, at once: a new limit frees or holds slots, new thresholds are judged now."""
        if updates.get("maxConcurrency") is not None:
            self.limit.set(int(updates["maxConcurrency"]))
        if updates.get("toleratedFailureCount") is not None:
            self.tolerated_count = int(updates["toleratedFailureCount"])
        if updates.get("toleratedFailurePercentage") is not None:
            self.tolerated_pct = float(updates["toleratedFailurePercentage"])
        self._check_threshold()

    async def _report_loop(self) -> None:
        while True:
            await asyncio.sleep(REPORT_EVERY_S)
            await self.report()

    def end(self, status: str) -> None:
        self.status = status
        self.stopped = self.execution.hooks.now()
