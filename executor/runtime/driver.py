"""The driver: the one process that holds an execution and decides its next steps.

A driver runs on the driver host of a state-worker process (:mod:`executor.runtime.host`),
beside the drivers of other executions. It runs the interpreter on the host's event loop, so
Choice, Pass, Wait, Parallel and Map are decided in-process; only work leaves it: each Task's invoke is sent as an
``executor.run_task`` message and awaited without blocking the loop (results
come back through the execution's Redis inbox).

Replay. Everything is recorded as it happens (:mod:`executor.runtime.store`).
A driver that finds a recorded history re-runs the interpreter from the start:
Task invokes whose results are recorded (by the interpreter's replay key) are
answered from the record, Waits end at their recorded deadlines, and each
re-emitted event is matched to the persisted one it repeats (same type,
details and predecessor) and suppressed; events past the record get ids after
the persisted maximum. Work sent before the crash is sent again; a worker
claim per replay key makes a duplicate skip, or wait, rather than run twice.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import time
import uuid
from typing import Any

import redis

from executor.asl import Hooks, Outcome, StatesError, dumps
from executor.resources import DEFAULT_QUEUE, queue_for

from . import lifecycle
from .base import ExecutionRequest, ExecutionResult
from .replay import START_TYPES, Replay, details_of
from .store import FINISH_LUA, RETENTION_SECONDS, dumps_events, dumps_record, keys, loads_events, token_key
from .tokens import is_activity, make_token_for

__all__ = ["Driver", "DriverSettings"]

log = logging.getLogger(__name__)

_CONN_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError)
#: the interpreter's event last produced on the current asyncio task: (raw event, persisted id)
_LAST: contextvars.ContextVar[tuple[dict, int] | None] = contextvars.ContextVar("sy_last_event", default=None)
_MESSAGES_PER_SLOT = 16
#: how long events with nothing else to write may wait to be written together (Driver._gather_events)
_EVENTS_GATHER_S = 0.005
#: work items per message on a queue other than ``states`` (a model batch's worth)
_BATCH_PER_MESSAGE = 64


class DriverSettings:
    """Tunables, read once per process from the environment by the Celery tasks."""

    def __init__(self, *, lock_ttl_ms: int = 10_000, redis_down_limit_s: float = 600):
        self.lock_ttl_ms = lock_ttl_ms  # a dead host's executions are taken over after at most this long
        self.redis_down_limit_s = redis_down_limit_s  # then the execution fails with a clear error


class Driver:
    """Runs one execution to its end (or until another driver takes it over)."""

    def __init__(self, *, request: ExecutionRequest, secret: str, host: Any):
        self.request = request
        self.arn = request.execution_arn
        self.host = host
        self.owner = host.owner
        self.publish, self.revoke, self.encode = host.publish, host.revoke, host.encode
        self.sink = host.sink
        self.settings = host.settings
        self.token_for = make_token_for(secret, self.arn)
        self.k = {part: keys.x(self.arn, part) for part in keys.ALL}
        # what is recorded (mirrors Redis, so a wiped Redis can be written again)
        self.all_events: list[dict] = []
        self.results: dict[str, dict] = {}
        self.dispatched: dict[str, str] = {}
        self.sleeps: dict[str, float] = {}
        self.request_text: str = ""
        # in flight
        self.pending: list[dict] = []
        self.to_dispatch: list[str] = []
        self.to_revoke: list[str] = []
        self.new_sleeps: dict[str, float] = {}
        self.futures: dict[str, asyncio.Future] = {}
        self.remote: dict[str, tuple] = {}  # key -> (task name, args, task id, since, started event)
        self.callbacks: dict[str, dict] = {}
        self.chunked: set[str] = set()
        self.inline: dict[str, dict] = {}
        self.restarted: set[str] = set()
        self.restart_pending: dict[str, int] = {}
        self.replay: Replay | None = None
        self.injecting = False
        self.reseed = False
        self.abort: tuple[str | None, str | None] | None = None
        self.failure: tuple[str, str] | None = None
        self.lost = False
        self.closing = False
        self.finishing = False
        self.down_since: float | None = None
        self._preloaded: tuple | None = None

    # -- the whole run ---------------------------------------------------------------

    async def run(self) -> ExecutionResult | None:
        """Run to the end; returns the result, or None when the execution was not ours to finish."""
        self.r = self.host.r
        self.loop = asyncio.get_running_loop()
        self.wake = asyncio.Event()
        if not await self._load():
            return None
        hooks = Hooks(invoke=self._invoke, sleep=self._sleep, sleep_until=self._sleep_until, on_event=self._on_event,
                      task_token=self.token_for)
        execution = lifecycle.start(self.request, hooks, self.sink)
        if isinstance(execution, Outcome):  # it could not start: fail loudly, lose nothing
            return await self._finish(execution)
        self.execution = execution
        self.main = asyncio.ensure_future(self._execute())
        writer = asyncio.ensure_future(self._writer())
        outcome = await self.main
        self.closing = True
        self.finishing = outcome is not None  # _finish writes the last events with the end
        self.wake.set()
        await writer
        if outcome is None:
            return None
        return await self._finish(outcome)

    async def _execute(self) -> Outcome | None:
        return await lifecycle.run_to_outcome(self.execution, self._cancelled)

    def _cancelled(self) -> Outcome | None:
        if self.lost:  # another driver holds the execution now: it writes the end
            return None
        if self.failure is not None:
            return lifecycle.failed(self.execution, *self.failure)
        return self.execution.aborted(*(self.abort or (None, None)))

    def preload(self, req: bytes, events: list, res: list, disp: list, sleeps: list) -> None:
        """What the host read when it took the lock (TAKE_AND_LOAD_LUA: hashes as flat lists), so that
        :meth:`run` need not read it again."""
        def pairs(flat: list[bytes]) -> dict[bytes, bytes]:
            return dict(zip(flat[::2], flat[1::2]))

        self._preloaded = (req, None, events, pairs(res), pairs(disp), pairs(sleeps))

    async def _load(self) -> bool:
        if self._preloaded is not None:
            (req, result, events, res, disp, sleeps), self._preloaded = self._preloaded, None
        else:
            pipe = self.r.pipeline(transaction=False)
            for part in ("req", "result", "ev", "res", "disp", "sleep"):
                if part == "ev":
                    pipe.lrange(self.k["ev"], 0, -1)
                elif part in ("req", "result"):
                    pipe.get(self.k[part])
                else:
                    pipe.hgetall(self.k[part])
            req, result, events, res, disp, sleeps = await pipe.execute()
        if result is not None or req is None:
            return False
        self.request_text = req.decode()
        self.all_events = loads_events(events)
        self.results = {k.decode(): json.loads(v) for k, v in res.items()}
        self.dispatched = {k.decode(): v.decode() for k, v in disp.items()}
        self.sleeps = {k.decode(): float(v) for k, v in sleeps.items()}
        if self.all_events:
            self.replay = Replay(self.all_events, base=(self.request.redrive or {}).get("after", 0))
            log.info("resuming %s by replay: %d events, %d results recorded", self.arn, len(self.all_events),
                     len(self.results))
            self._to_sink(self.all_events)  # the sink may have lost what it had not written yet
        return True

    async def _finish(self, outcome: Outcome) -> ExecutionResult:
        result = lifecycle.result_of(outcome, getattr(self, "execution", None))
        # Every event lands before the result: the last ones in the same round trip where nothing
        # else is left to write.
        if self._unsent_work():
            await self._write_until_done(self._write_batch)
        if self.to_revoke:
            await self.loop.run_in_executor(None, self.revoke, self.to_revoke)
        await self._write_until_done(lambda: self._write_result(result), limit=30)
        if self.sink is not None:
            try:
                self.sink.execution_finished(self.arn, result)
                flush = getattr(self.sink, "flush", None)
                if flush is not None:
                    await self.loop.run_in_executor(None, flush)
            except Exception:
                log.exception("the sink failed to record the end of %s", self.arn)
        return result

    async def _write_result(self, result: ExecutionResult) -> None:
        names = [self.k["result"], keys.RUNNING, keys.LEASES, self.k["lock"]]
        names += [self.k[part] for part in ("fin", "req", "ev", "res", "disp", "starts", "sleep", "inbox", "stop",
                                            "tok")]
        events = self.pending
        last = [dumps_events(events)] if events else []
        await self.r.eval(FINISH_LUA, len(names), *names, json.dumps(result.__dict__), self.arn, RETENTION_SECONDS,
                          3600, self.owner, keys.ENDED, *last)
        if events:
            self.pending = self.pending[len(events):]
            self._to_sink(events)

    async def _write_until_done(self, write, limit: float | None = None) -> None:
        deadline = time.monotonic() + (limit if limit is not None else self.settings.redis_down_limit_s)
        while True:
            try:
                return await write()
            except _CONN_ERRORS:
                if time.monotonic() > deadline:
                    log.error("could not write the records of %s: Redis is away", self.arn)
                    return
                await asyncio.sleep(0.5)

    # -- hooks the interpreter calls ---------------------------------------------------------

    def _on_event(self, event: dict) -> None:
        rid = event["id"]
        if self.replay is not None:
            mapped = self.replay.map(event, fresh=self.injecting)
            pid = self.replay.idmap[rid]
            _LAST.set((event, pid))
            if mapped is None:
                return
            event = mapped
        else:
            _LAST.set((event, rid))
        self.all_events.append(event)
        self.pending.append(event)
        self.wake.set()

    async def _sleep(self, seconds: float, until: float | None = None) -> None:
        last = _LAST.get()
        key = str(last[1]) if last is not None else ""
        deadline = self.sleeps.get(key)
        if deadline is None:
            began = self.replay.began_at(last[1]) if last is not None and self.replay is not None else None
            deadline = until if until is not None else (began if began is not None else time.time()) + seconds
            self.sleeps[key] = self.new_sleeps[key] = deadline
            self.wake.set()
        remaining = deadline - time.time()
        if remaining > 0:
            await asyncio.sleep(remaining)

    async def _sleep_until(self, until: float) -> None:
        await self._sleep(until - time.time(), until)

    async def _invoke(self, resource: str, parameters: Any, info: dict) -> Any:
        key = info["key"]
        record = self.results.get(key)
        if record is None and self.replay is not None:  # ended before a restart, recorded only in the history
            last = _LAST.get()
            if last is not None:
                record = self.replay.ended(*last)
        if record is not None and key + "#invoke" in self.results:
            self._resubmitted(key, info)
        if record is None:
            last = _LAST.get()
            started = last[0] if last is not None and last[0]["type"] in START_TYPES else None
            if resource.endswith(".waitForTaskToken") or is_activity(resource):
                record = await self._callback(key, resource, parameters, info)
            else:
                record = await self._remote(key, resource, parameters, info, started)
        if "error" in record:
            raise StatesError(record.get("error"), record.get("cause"))
        return record.get("ok")

    def _resubmitted(self, key: str, info: dict) -> None:
        """A callback answered while no driver held the execution: its call had gone out, so the
        history says TaskSubmitted before the Task ends, as it did (or would have) live."""
        invoked = self.results[key + "#invoke"]
        if "error" not in invoked:
            info["submitted"](invoked.get("ok"))

    # -- work sent to workers ------------------------------------------------------------

    def _future(self, key: str) -> asyncio.Future:
        future = self.futures.get(key)
        if future is None or future.done():
            future = self.futures[key] = self.loop.create_future()
        return future

    async def _remote(self, key: str, resource: str, parameters: Any, info: dict, started: dict | None = None,
                      token: str | None = None) -> dict:
        if key in self.results:
            return self.results[key]
        future = self._future(key)
        task_id = self.dispatched.get(key) or uuid.uuid4().hex
        queue = queue_for(resource)  # the binding says which workers run it (inference: the batching worker)
        meta = {"state_name": info.get("state_name"), "attempt": info.get("attempt", 0),
                "timeout_seconds": info.get("timeout_seconds"), "heartbeat_seconds": info.get("heartbeat_seconds"),
                "context": info.get("context"), "task_token": token}
        self.remote[key] = (queue, [self.arn, key, resource, parameters, meta], task_id, time.monotonic(), started)
        self.dispatched[key] = task_id
        if key in self.restart_pending:
            self._restarted(key, self.restart_pending.pop(key))
        self.to_dispatch.append(key)
        self.wake.set()
        try:
            return await future
        except asyncio.CancelledError:
            task_id = self.remote[key][2] if key in self.remote else task_id
            # A Task timeout or StopExecution: the pool process running it stops too. A thread pool
            # (the inference worker) cannot stop a thread: its work is short, and checks the stop flag.
            if queue == DEFAULT_QUEUE and (task_id not in self.chunked or self.abort is not None):
                self.to_revoke.append(task_id)
                self.wake.set()
            raise
        finally:
            self.remote.pop(key, None)
            self.futures.pop(key, None)

    def raced(self, key: str) -> bool:
        """True when ``key``'s work may have run more than once (a restart was reported)."""
        return key in self.restarted

    def _resolve(self, key: str, record: dict) -> None:
        self.results[key] = record
        future = self.futures.get(key)
        if future is not None and not future.done():
            future.set_result(record)

    def _restarted(self, key: str, attempt: int) -> None:
        """A worker died running ``key`` and another began it again: say so in the history."""
        self.restarted.add(key)
        entry = self.remote.get(key)
        started = entry[4] if entry is not None else None
        if started is None:  # a driver taking over heard of it before its replay sent the work again
            self.restart_pending[key] = attempt
            return
        details = details_of(started)
        self.injecting = True
        try:
            self.execution.log.add(started["type"], started["id"], dict(details) if details else None)
        finally:
            self.injecting = False
        log.warning("%s: the work for %s was started again (attempt %d) after its worker was lost",
                    self.arn, key, attempt)

    # -- callbacks and activities ----------------------------------------------------------

    async def _callback(self, key: str, resource: str, parameters: Any, info: dict) -> dict:
        token = self.token_for(key)
        heartbeat = info.get("heartbeat_seconds")
        activity = resource if is_activity(resource) else None
        entry = {"arn": self.arn, "key": key, "hb": heartbeat, "activity": activity,
                 "input": dumps(parameters)}
        self.callbacks[key] = {"token": token, **entry}
        future = self._future(key)
        await self._register_token(token, entry)
        try:
            if activity is None:
                base = resource[: -len(".waitForTaskToken")]
                record = await self._remote(f"{key}#invoke", base, parameters, info, token=token)
                if "error" in record:
                    return record
                info["submitted"](record.get("ok"))
            return await self._await_token(key, future, token, heartbeat)
        finally:
            self.callbacks.pop(key, None)
            self.futures.pop(key, None)
            await self._write_until_done(lambda: self._forget_token(token), limit=30)

    async def _register_token(self, token: str, entry: dict) -> None:
        pipe = self.r.pipeline(transaction=False)
        pipe.set(token_key(token), dumps_record(entry))
        pipe.set(token_key(token) + ":hb", time.time(), nx=True)
        pipe.hset(self.k["tok"], entry["key"], token)
        if entry["activity"]:
            pipe.hexists("sy:act", entry["activity"])
            pipe.exists(token_key(token) + ":started")
        out = await pipe.execute()
        if entry["activity"]:
            if not out[3]:
                raise StatesError("States.Runtime", f"The activity {entry['activity']} does not exist.")
            if not out[4]:
                await self.r.rpush(f"sy:act:{entry['activity']}:q",
                                   dumps_record({"token": token, "input": entry["input"]}))

    async def _forget_token(self, token: str) -> None:
        pipe = self.r.pipeline(transaction=False)
        pipe.delete(token_key(token), token_key(token) + ":hb", token_key(token) + ":started")
        pipe.set(token_key(token) + ":gone", "1", ex=24 * 3600)
        await pipe.execute()

    async def _await_token(self, key: str, future: asyncio.Future, token: str, heartbeat: float | None) -> dict:
        if key in self.results:
            return self.results[key]
        while True:
            wait = None
            if heartbeat:
                try:
                    last = float(await self.r.get(token_key(token) + ":hb") or time.time())
                except _CONN_ERRORS:
                    last = time.time()
                wait = last + heartbeat - time.time()
                if wait <= 0:
                    record = {"error": "States.HeartbeatTimeout", "cause": None}
                    await self.r.hsetnx(self.k["res"], key, dumps_record(record))
                    self._resolve(key, record)
                    return self.results[key]
            done, _ = await asyncio.wait({future}, timeout=wait)
            if done:
                return future.result()

    # -- the writer: history, dispatches, revokes ----------------------------------------------

    async def _writer(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            if not self._urgent():
                await self._gather_events()
            if self.finishing:
                return
            await self._write_until_done(self._write_batch)
            if self.closing and not (self.pending or self.to_dispatch or self.new_sleeps):
                return

    def _unsent_work(self) -> bool:
        """Whether anything but events waits to be written: work to send or revoke, a timer, records
        Redis may have lost."""
        return bool(self.to_dispatch or self.new_sleeps or self.to_revoke or self.reseed)

    def _urgent(self) -> bool:
        """Whether what waits to be written must go now: anything but events, or the end."""
        return self.closing or self._unsent_work()

    async def _gather_events(self) -> None:
        """Let events alone gather for up to _EVENTS_GATHER_S, or until something urgent comes: a run
        of states that never wait (a Pass chain runs 200 in 2 ms) is then written in one round trip,
        with its end, not every 64 states. Nothing is lost to a crash meanwhile: a driver that takes
        over replays the interpreter, which makes the same events again."""
        deadline = self.loop.time() + _EVENTS_GATHER_S
        while not self._urgent():
            remaining = deadline - self.loop.time()
            if remaining <= 0:
                return
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), remaining)
            except asyncio.TimeoutError:
                return

    async def _write_batch(self) -> None:
        if self.reseed:
            await self._reseed()
        events, dispatch, sleeps = self.pending, self.to_dispatch, self.new_sleeps
        if not (events or dispatch or sleeps or self.to_revoke):
            return
        self.pending, self.to_dispatch, self.new_sleeps = [], [], {}
        live = [k for k in dict.fromkeys(dispatch) if k in self.remote]
        messages = self._messages(live)
        # Where the host can lay messages on the queues itself, they go first in the pipeline that
        # records them; else a few messages go first: they are what the next step waits for. The
        # claim of each work item makes a message sent again after a crash harmless.
        pushed = [self.encode(*message) for message in messages] if self.encode is not None else []
        published = bool(messages) and not pushed and len(messages) <= 4
        if published:
            self._publish_now(messages, live)
        try:
            pipe = self.r.pipeline(transaction=False)
            for queue, message in pushed:
                pipe.lpush(queue, message)
            if events:
                pipe.rpush(self.k["ev"], dumps_events(events))
            if live:
                pipe.hset(self.k["disp"], mapping={k: self.remote[k][2] for k in live})
            if sleeps:
                pipe.hset(self.k["sleep"], mapping=sleeps)
            await pipe.execute()
        except _CONN_ERRORS:
            self.pending[:0], self.to_dispatch[:0] = events, [] if published else dispatch
            self.new_sleeps.update(sleeps)
            self.reseed = True  # when Redis is back, check whether it kept what we wrote
            raise
        self._to_sink(events)
        if messages and not (published or pushed):
            try:
                await self.loop.run_in_executor(None, self.publish, messages)
            except Exception:
                self.to_dispatch[:0] = [k for k in live if k in self.remote]
                raise redis.ConnectionError("publishing Task work failed") from None
        if self.to_revoke:
            ids, self.to_revoke = self.to_revoke, []
            self.loop.run_in_executor(None, self.revoke, ids)

    def _publish_now(self, messages: list, live: list[str]) -> None:
        """Publish a few messages on the loop's thread (a thread hand-off costs more)."""
        try:
            self.publish(messages)
        except Exception:
            self.to_dispatch[:0] = [k for k in live if k in self.remote]
            raise redis.ConnectionError("publishing Task work failed") from None

    def _messages(self, live: list[str]) -> list[tuple[str, list, str, str]]:
        """The messages ``(task name, args, task id, queue)`` that carry the work for ``live``.

        On the ``states`` queue one per key, except for many keys at once (a large Map): those go in
        chunks, so there are still several messages per pool process. On another queue (inference)
        up to a model batch of keys per message, run at once there, so batches fill from one read."""
        by_queue: dict[str, list[str]] = {}
        for k in live:
            by_queue.setdefault(self.remote[k][0], []).append(k)
        messages = []
        for queue, group in by_queue.items():
            if queue == DEFAULT_QUEUE:
                slots = self.host.slots
                many = len(group) > 2 * slots
                size = max(1, -(-len(group) // (_MESSAGES_PER_SLOT * slots))) if many else 1
            else:
                size = _BATCH_PER_MESSAGE
            if size == 1 or len(group) == 1:
                messages.extend(("executor.run_task", *self.remote[k][1:3], queue) for k in group)
                continue
            for i in range(0, len(group), size):
                messages.append(self._chunk(group[i:i + size], queue, concurrently=queue != DEFAULT_QUEUE))
        return messages

    def _chunk(self, chunk: list[str], queue: str, concurrently: bool) -> tuple[str, list, str, str]:
        chunk_id = uuid.uuid4().hex
        self.chunked.add(chunk_id)
        for k in chunk:
            queue_, args, _id, since, started = self.remote[k]
            self.remote[k] = (queue_, args, chunk_id, since, started)
            self.dispatched[k] = chunk_id
        items = [self.remote[k][1][1:] for k in chunk]
        return "executor.run_tasks", [self.arn, items, concurrently], chunk_id, queue

    def _to_sink(self, events: list[dict]) -> None:
        if self.sink is not None and events:
            try:
                self.sink.append_events(self.arn, events)
            except Exception:  # the Redis record still holds them; a replay sends them again
                log.exception("the sink failed to take %d events of %s", len(events), self.arn)

    async def _reseed(self) -> None:
        """After Redis came back: if it lost our records (a restart without persistence), write them again."""
        if await self.r.exists(self.k["req"]):
            self.reseed = False
            return
        log.warning("Redis lost the records of %s; writing them again from the driver's memory", self.arn)
        events = list(self.all_events)
        pipe = self.r.pipeline(transaction=True)
        pipe.set(self.k["req"], self.request_text)
        pipe.sadd(keys.RUNNING, self.arn)
        pipe.delete(self.k["ev"])
        for i in range(0, len(events), 1000):
            pipe.rpush(self.k["ev"], dumps_events(events[i:i + 1000]))
        if self.results:
            pipe.hset(self.k["res"], mapping={k: dumps_record(v) for k, v in self.results.items()})
        if self.dispatched:
            pipe.hset(self.k["disp"], mapping=self.dispatched)
        if self.sleeps:
            pipe.hset(self.k["sleep"], mapping=self.sleeps)
        pipe.set(self.k["lock"], self.owner, px=self.settings.lock_ttl_ms)
        pipe.zadd(keys.LEASES, {self.arn: time.time() + self.settings.lock_ttl_ms / 1000})
        self.pending = []  # all_events holds them
        await pipe.execute()
        for entry in list(self.callbacks.values()):
            await self._register_token(entry["token"], entry)
        self.to_dispatch = list(self.remote)  # messages queued in the lost Redis are gone: send again
        self.reseed = False

    async def ensure_recorded(self) -> None:
        """Write the records again if Redis lost them (see :meth:`_reseed`); raises while it is away."""
        if self.all_events or self.request_text:
            await self._reseed()

    # -- what the host tells the driver ---------------------------------------------------------

    async def deliver(self, messages: list[bytes]) -> None:
        """Messages from the inbox: Task results, restarts of lost work, a stop."""
        await self._handle(messages)

    async def poll_results(self) -> None:
        """A safety net for wake-ups lost with a restarted Redis: read what was recorded meanwhile."""
        if self.futures:
            await self._fetch_results(list(self.futures))

    def stop_requested(self, stop: dict) -> None:
        if self.abort is None and not self.main.done():
            self.abort = (stop.get("error"), stop.get("cause"))
            self.main.cancel()

    def lose(self, holder: bytes | None) -> None:
        """Another driver holds the lock now (ours lapsed while this process stalled): stop here."""
        log.error("%s: another driver (%s) holds the execution; this one stops", self.arn, holder)
        self.lost = True
        self.main.cancel()

    def redis_away(self) -> None:
        now = time.monotonic()
        if self.down_since is None:
            self.down_since = now
            log.warning("%s: Redis is away; waiting for it", self.arn)
        elif now - self.down_since > self.settings.redis_down_limit_s and self.failure is None:
            self.failure = ("States.Runtime", f"The runtime lost its connection to Redis for more than "
                                              f"{self.settings.redis_down_limit_s:.0f} seconds.")
            self.main.cancel()

    def redis_came_back(self) -> None:
        """Check whether Redis kept our records (a restart without persistence loses them)."""
        self.down_since = None
        self.reseed = True
        self.wake.set()

    async def _handle(self, messages: list[bytes]) -> None:
        done: list[str] = []
        for raw in messages:
            message = json.loads(raw)
            if "k" in message:
                if message["k"] in self.futures:
                    if "r" in message:  # the record itself (the first recorded wins: check it below)
                        self.inline[message["k"]] = message["r"]
                    done.append(message["k"])
            elif "restart" in message:
                self._restarted(message["restart"], message.get("n", 2))
            elif "stop" in message:
                await self._check_stop()
            elif "stop_child" in message and getattr(self, "execution", None) is not None:
                self.execution.stop_map_child(message["stop_child"], message.get("error"), message.get("cause"))
        if done:
            await self._fetch_results(done)

    async def _fetch_results(self, wanted: list[str]) -> None:
        # A record that came in the message is the recorded one unless two workers raced (a
        # redelivery): only then is the hash, where the first record won, read again.
        racing = [k for k in wanted if k not in self.inline or self.raced(k)]
        for key in wanted:
            record = self.inline.pop(key, None)
            if record is not None and key not in racing:
                self._resolve(key, record)
        if not racing:
            return
        wanted = racing
        values = await self.r.hmget(self.k["res"], wanted)
        for key, value in zip(wanted, values):
            if value is not None:
                self._resolve(key, json.loads(value))

    async def _check_stop(self) -> None:
        raw = await self.r.get(self.k["stop"])
        if raw is not None:
            self.stop_requested(json.loads(raw))
