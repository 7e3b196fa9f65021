"""The driver host: every execution a state-worker process holds, on one asyncio loop.

An execution's driver (:mod:`executor.runtime.driver`) decides control flow and
then waits: for Task results, timers, callbacks. Waiting is a suspended coroutine
on this loop, so it holds no worker process and no thread: the pool processes stay
free for Task work, and one process can hold thousands of waiting executions.

The host owns what is shared by its drivers, so its cost does not grow per execution:

* one Redis connection pool, and one blocking read of ``sy:wake:{owner}``: whoever
  writes to an execution's inbox (a finished Task, a callback, a stop) also pushes the
  execution's ARN there, naming the holder of its lock (:func:`store.notify`);
* leases: every second one pipeline renews the locks of all its executions and their
  scores in ``sy:leases`` (ARN -> expiry). Any host whose sweep finds an expired lease
  takes the execution over by replay, so a process that died (or a start message that
  was lost) costs seconds, never the execution.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import os
import threading
import time
from typing import Any, Callable

import redis
import redis.asyncio as aioredis

from executor.asl.jsonata_support import forget_thread_expressions

from .driver import Driver, DriverSettings
from .store import RENEW_LUA, TAKE_AND_LOAD_LUA, TAKEOVER_LUA, holder_is_dead, keys, load_request, owner_id

__all__ = ["DriverHost"]

log = logging.getLogger(__name__)

_CONN_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError)
_SWEEP_BATCH = 200
#: starts popped at once: enough to keep the loop busy, few enough to spread them over hosts
_STARTS_PER_READ = 16
_LOADED = ("req", "result", "ev", "res", "disp", "sleep")  # TAKE_AND_LOAD_LUA's keys after the leases


class DriverHost:
    """Runs drivers on a private event loop thread. ``submit`` is thread-safe."""

    def __init__(self, *, redis_url: str, publish: Callable[[list[tuple[str, list, str]]], None],
                 revoke: Callable[[list[str]], None], sink: Any = None, settings: DriverSettings | None = None,
                 parent_pid: int | None = None,
                 encode: Callable[[str, list, str, str], tuple[str, str]] | None = None):
        self.url = redis_url
        self.parent_pid = parent_pid  # a pool process: leave when the worker that forked it is gone
        self.owner = owner_id()
        self.publish, self.revoke, self.sink = publish, revoke, sink
        #: puts a Task message on its queue's Redis list in the driver's own pipeline (None: publish)
        self.encode = encode
        self.settings = settings or DriverSettings()
        self.drivers: dict[str, Driver] = {}
        self.slots = 4  # pool processes of the live workers, read once a second for chunking work
        self.loop = asyncio.new_event_loop()
        self.loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(8, thread_name_prefix="sy-host"))
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="sy-driver-host", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    # -- from any thread ---------------------------------------------------------------

    def submit(self, execution_arn: str) -> concurrent.futures.Future:
        """Take the execution if nobody live holds it (its start was lost, say); the future says
        "adopted" or why not. Executions normally arrive through ``sy:starts``."""
        return asyncio.run_coroutine_threadsafe(self._adopt(execution_arn), self.loop)

    def holds(self, execution_arn: str) -> bool:
        return execution_arn in self.drivers

    # -- the loop ------------------------------------------------------------------------

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.r = aioredis.Redis.from_url(self.url, socket_timeout=10, socket_connect_timeout=5)
        self.wake_key = keys.wake(self.owner)
        for job in (self._wake_loop, self._lease_loop):
            self.loop.create_task(job())
        self._ready.set()
        try:
            self.loop.run_forever()
        finally:
            forget_thread_expressions()  # compiled JSONata must be dropped by its own thread

    async def _adopt(self, arn: str) -> str:
        if arn in self.drivers:
            return "held here"
        ttl = self.settings.lock_ttl_ms
        # One round trip takes a free lock and reads what the driver loads; a second one only
        # where the lock's holder is a dead process of this machine.
        names = [keys.x(arn, "lock"), keys.LEASES, *(keys.x(arn, part) for part in _LOADED)]
        dead = ""
        while True:
            answer = await self.r.eval(TAKE_AND_LOAD_LUA, len(names), *names, self.owner, ttl, dead, arn,
                                       time.time() + ttl / 1000)
            status = answer[0].decode()
            if status != "held":
                break
            if dead or not holder_is_dead(answer[1]):
                return "held elsewhere"
            dead = answer[1].decode()
        if status == "finished":
            return "finished"
        loaded = load_request(answer[1]) if status == "adopted" else None
        if loaded is None:
            log.error("no record of %s (Redis lost it?); nothing to run", arn)
            return "gone"
        if arn in self.drivers:  # adopted by a concurrent call while we took the lock
            return "held here"
        request, secret = loaded
        driver = Driver(request=request, secret=secret, host=self)
        driver.preload(*answer[1:])
        self.drivers[arn] = driver
        task = self.loop.create_task(driver.run())
        task.add_done_callback(lambda t, a=arn, d=driver: self._ended(a, d, t))
        # Messages that came while nobody held the lock woke no one: read them now.
        self.loop.call_soon(self._schedule_drain, [arn])
        return "adopted"

    def _ended(self, arn: str, driver: Driver, task: asyncio.Task) -> None:
        if self.drivers.get(arn) is driver:
            del self.drivers[arn]
        if not task.cancelled() and task.exception() is not None:
            log.error("the driver of %s crashed", arn, exc_info=task.exception())

    # -- waking drivers -------------------------------------------------------------------

    async def _wake_loop(self) -> None:
        """Pop wake-ups for drivers held here and executions to start, both in one blocking read."""
        blocking = aioredis.Redis.from_url(self.url, socket_timeout=10, socket_connect_timeout=5)
        while True:
            try:
                item = await blocking.blpop([self.wake_key, keys.STARTS], timeout=1)
                if item is None:
                    continue
                if item[0].decode() == keys.STARTS:
                    # The first is adopted at once: its round trip goes out beside the read of the rest.
                    self.loop.create_task(self._adopt(item[1].decode()))
                    for raw in await self.r.lpop(keys.STARTS, _STARTS_PER_READ - 1) or []:
                        self.loop.create_task(self._adopt(raw.decode()))
                    continue
                await self._drain([item[1].decode()], more=True)
            except _CONN_ERRORS:
                self._redis_away()
                await asyncio.sleep(0.5)
            except Exception:  # one bad message must not stop the host waking its drivers
                log.exception("the driver host's wake loop failed; going on")

    def _schedule_drain(self, arns: list[str]) -> None:
        self.loop.create_task(self._drain(arns))

    async def _drain(self, arns: list[str], more: bool = False) -> None:
        """Hand each driver the messages in its inbox; with ``more``, in the same round trip take the
        other wake-ups waiting for this host, and drain those drivers next."""
        held = [a for a in arns if a in self.drivers]
        if not held and not more:
            return
        pipe = self.r.pipeline(transaction=False)
        for arn in held:
            pipe.lpop(keys.x(arn, "inbox"), 1000)
        if more:
            pipe.lpop(self.wake_key, 1000)
        replies = await pipe.execute()
        for arn, messages in zip(held, replies):
            driver = self.drivers.get(arn)
            if driver is not None and messages:
                await driver.deliver(messages)
        if more and replies[-1]:
            # Those held here too: a wake-up taken after its inbox was read may be for a new message.
            await self._drain(list(dict.fromkeys(raw.decode() for raw in replies[-1])))

    # -- leases: renewal, stop checks, the sweep -------------------------------------------

    async def _lease_loop(self) -> None:
        period = min(1.0, self.settings.lock_ttl_ms / 5000)
        last_poll = 0.0
        while True:
            await asyncio.sleep(period)
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                await self._abandon()
            try:
                now = time.monotonic()
                await self._renew(poll=now - last_poll >= 2.0)
                if now - last_poll >= 2.0:
                    last_poll = now
                await self._sweep()
                await self._count_slots()
                self._back()
            except _CONN_ERRORS:
                self._redis_away()
            except Exception:
                log.exception("the driver host's lease loop failed; going on")

    async def _renew(self, poll: bool) -> None:
        drivers = [(arn, d) for arn, d in self.drivers.items() if not d.closing]
        # What this host holds, for the metrics (executor/runtime/metrics.py reads and ages it).
        await self.r.hset(keys.HOSTS, self.owner, json.dumps({"held": len(self.drivers), "at": time.time()}))
        if not drivers:
            return
        ttl = self.settings.lock_ttl_ms
        pipe = self.r.pipeline(transaction=False)
        for arn, _ in drivers:
            pipe.eval(RENEW_LUA, 1, keys.x(arn, "lock"), self.owner, ttl)
            pipe.get(keys.x(arn, "stop"))
        pipe.zadd(keys.LEASES, {arn: time.time() + ttl / 1000 for arn, _ in drivers})
        replies = await pipe.execute()
        for i, (arn, driver) in enumerate(drivers):
            renewed, stop = replies[2 * i], replies[2 * i + 1]
            if renewed == -1:  # Redis lost the lock (a restart): take it back and check the records
                await self.r.eval(TAKEOVER_LUA, 1, keys.x(arn, "lock"), self.owner, ttl, "")
                driver.redis_came_back()
            elif renewed == 0:
                driver.lose(await self.r.get(keys.x(arn, "lock")))
                continue
            if stop is not None:
                driver.stop_requested(json.loads(stop))
            if poll:
                await driver.poll_results()

    async def _abandon(self) -> None:
        """The worker that forked this pool process died: hand every execution on at once (a new
        worker's host adopts them by replay) and end this process, which no worker manages now.
        Records an emptied Redis lost are written back first: this process's memory has them."""
        log.error("the worker of pool process %d is gone; handing %d executions on", os.getpid(), len(self.drivers))
        deadline = time.monotonic() + self.settings.redis_down_limit_s
        while time.monotonic() < deadline:
            try:
                for driver in list(self.drivers.values()):
                    await driver.ensure_recorded()
                pipe = self.r.pipeline(transaction=False)
                for arn in self.drivers:
                    pipe.eval(RENEW_LUA, 1, keys.x(arn, "lock"), self.owner, 1)  # expire our lock now
                if self.drivers:
                    pipe.zadd(keys.LEASES, {arn: 0 for arn in self.drivers})
                await pipe.execute()
                break
            except _CONN_ERRORS:
                await asyncio.sleep(0.5)
            except Exception:
                log.exception("handing the executions on failed")
                break
        os._exit(1)

    async def _count_slots(self) -> None:
        workers = await self.r.smembers("sy:workers")
        if workers:
            alive = await self.r.mget([f"sy:wk:{w.decode()}:alive" for w in workers])
            self.slots = max(1, sum(int(v) for v in alive if v is not None and v.isdigit()))

    async def _sweep(self) -> None:
        """Take over executions whose lease lapsed: their holder died, or their start was lost."""
        due = await self.r.zrangebyscore(keys.LEASES, "-inf", time.time(), start=0, num=_SWEEP_BATCH)
        for raw in due:
            arn = raw.decode()
            if arn not in self.drivers:
                outcome = await self._adopt(arn)
                if outcome == "adopted":
                    log.warning("took over %s: its lease had lapsed", arn)

    def _redis_away(self) -> None:
        for driver in list(self.drivers.values()):
            driver.redis_away()

    def _back(self) -> None:
        for driver in list(self.drivers.values()):
            if driver.down_since is not None:
                driver.redis_came_back()


_host: DriverHost | None = None
_host_lock = threading.Lock()


def get_host(factory: Callable[[], DriverHost]) -> DriverHost:
    """The process's host, made by ``factory`` on first use (after any fork)."""
    global _host
    with _host_lock:
        if _host is None:
            _host = factory()
        return _host
