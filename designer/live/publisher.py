"""Publishing committed history to the channel layer, from any process that writes it.

The sink's writer thread calls :func:`publish_batch` after each batch commits; the web
process's own writes (a new execution, a history closed without its runtime) arrive through
model signals. Both hand their messages to one publisher thread per process that owns an
event loop, so no caller needs a loop of its own and the layer's connection is reused.

Events go only to groups someone watches (a socket of some process has joined the group): an
execution nobody watches costs no live messages, and its events are never even put in their
wire shape. What the Redis layer says about a group is kept for ``WATCH_TTL_S``, so a socket
that joins may miss what is written in that time; it reads the database once more after it
(designer/live/consumers.py), as it does when it first joins.

The thread coalesces: at most one channel message per group every ``INTERVAL_S``, carrying
everything written since the last one. An execution can write thousands of events a second;
one daphne carries some hundreds of channel messages a second. A quiet group's first message
goes at once, and no event is held more than an interval past its own timestamp (events the
database was slow to take go sooner), so coalescing adds at most an interval to any event.
"""
from __future__ import annotations

import asyncio
import atexit
import collections
import logging
import os
import re
import threading
import time
from typing import Any

import redis
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save

from designer.live.groups import execution_group, machine_group
from designer.live.wire import event_wire, raw_event_wire, status_wire
from designer.lookups import EXECUTION_BY_ARN
from designer.models import Execution, HistoryEvent

logger = logging.getLogger(__name__)

__all__ = ["publish_batch", "publish_status", "get_publisher", "register_consumer_loop", "connect_signals",
           "Publisher", "INTERVAL_S", "MESSAGE_TYPE", "WATCH_TTL_S", "watched"]

INTERVAL_S = 0.05  # the default of SWITCHYARD_LIVE_COALESCE_MS
MESSAGE_TYPE = "live.batch"  # the consumers' handler is live_batch
_MAX_EVENTS_PER_MESSAGE = 500  # keeps a 10,000-item Map's burst in frames a browser parses quickly
_MAX_MESSAGE_BYTES = 1024 * 1024
_LATE_FRACTION = 5  # late events may go out a fifth of the interval after the last message
_MAX_BACKLOG = 10_000  # messages waiting for a layer that is away; past this, live updates are dropped
WATCH_TTL_S = 1.0  # how long what the Redis layer said of a group's subscribers is taken as true

_consumer_loop: asyncio.AbstractEventLoop | None = None


def register_consumer_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Note the loop this process's consumers run on. The in-memory layer's queues belong to
    that loop, so messages for them are sent from it (it is not thread-safe)."""
    global _consumer_loop
    _consumer_loop = loop


class _Pending:
    __slots__ = ("events", "statuses", "oldest", "due", "handle")

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []
        self.oldest = float("inf")  # loop time of the oldest event's timestamp
        self.due = float("inf")
        self.handle: asyncio.Handle | None = None


class Publisher:
    """A thread with an event loop that coalesces per group and sends, in order, to the layer."""

    def __init__(self, interval_s: float = INTERVAL_S) -> None:
        self.interval_s = interval_s
        self._loop = asyncio.new_event_loop()
        self._pending: dict[str, _Pending] = {}
        self._last_sent: dict[str, float] = {}
        self._outbox: asyncio.Queue = asyncio.Queue()
        # Submissions from other threads; the loop is woken once for all that arrive until it takes them
        # (each wake-up is a system call and a switch of threads, more than the rest of a submission).
        self._inbox: collections.deque = collections.deque()
        self._woken = False
        self._dropped = 0
        self._pid = os.getpid()
        threading.Thread(target=self._run, name="switchyard-live", daemon=True).start()

    def submit(self, group: str, *, events: list[dict] = (), statuses: list[dict] = ()) -> None:
        """Queue events and status messages for ``group``; returns at once, from any thread."""
        self._inbox.append((group, list(events), list(statuses)))
        if not self._woken:
            self._woken = True
            self._loop.call_soon_threadsafe(self._take)

    def _take(self) -> None:
        # Cleared before taking: a submission that saw it set is in the inbox already and taken below.
        self._woken = False
        inbox = self._inbox
        while inbox:
            self._add(*inbox.popleft())

    def drain(self, timeout: float = 2.0) -> bool:
        """Send everything submitted so far at once, without waiting out the interval; return
        False if the layer did not take it within ``timeout`` s. Runs at exit, so a process that
        ends (a worker shutting down, a script) does not take its last updates with it."""
        if os.getpid() != self._pid:  # a forked child inherits the handler, not the thread
            return False
        try:
            asyncio.run_coroutine_threadsafe(self._drain(), self._loop).result(timeout)
            return True
        except Exception:
            return False

    async def _drain(self) -> None:
        self._take()
        for group in list(self._pending):
            self._flush(group)
        await self._outbox.join()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.create_task(self._send_forever())
        self._loop.run_forever()

    def _add(self, group: str, events: list[dict], statuses: list[dict]) -> None:
        pending = self._pending.setdefault(group, _Pending())
        pending.events.extend(events)
        pending.statuses.extend(statuses)
        now = self._loop.time()
        if events:  # when the oldest event happened, on this loop's clock
            pending.oldest = min(pending.oldest, now - (time.time() - events[0]["timestamp"]))
        last = self._last_sent.get(group, float("-inf"))
        # Due an interval after the last message, or sooner if that would hold an event more than
        # an interval past its time (the database was slow to take it); never twice within a
        # fifth of the interval, so a slow database cannot flood the layer.
        due = max(min(last, pending.oldest) + self.interval_s, last + self.interval_s / _LATE_FRACTION)
        if pending.handle is not None:
            if pending.due <= due:
                return
            pending.handle.cancel()
        pending.due = due
        # call_soon rather than now: submissions already queued in this loop turn join the message.
        pending.handle = (self._loop.call_at(due, self._flush, group) if due > now
                          else self._loop.call_soon(self._flush, group))

    def _flush(self, group: str) -> None:
        pending = self._pending.pop(group, None)
        if pending is None:
            return
        pending.handle.cancel()  # drain() may send it before its time
        now = self._loop.time()
        self._last_sent[group] = now
        if len(self._last_sent) > 1000:  # forget groups quiet for longer than the interval
            self._last_sent = {g: t for g, t in self._last_sent.items() if t > now - self.interval_s}
        chunks = _chunks(pending.events)
        for index, chunk in enumerate(chunks or [[]]):
            last = index == max(len(chunks) - 1, 0)
            message = {"type": MESSAGE_TYPE, "events": chunk, "statuses": pending.statuses if last else []}
            if self._outbox.qsize() >= _MAX_BACKLOG:
                self._dropped += 1
                if self._dropped == 1:
                    logger.warning("The channel layer is not keeping up: dropping live updates (history is kept)")
                continue
            self._outbox.put_nowait((group, message))

    async def _send_forever(self) -> None:
        # One sender, so messages reach each group in the order they were made.
        while True:
            group, message = await self._outbox.get()
            try:
                await _deliver(group, message)
                self._dropped = 0
            except Exception:  # a layer that is away costs live updates, never the history
                logger.warning("Could not publish a live update to %s", group, exc_info=True)
            finally:
                self._outbox.task_done()


def _chunks(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split events into messages of at most _MAX_EVENTS_PER_MESSAGE events and about
    _MAX_MESSAGE_BYTES (Redis cuts off a pub/sub subscriber that falls 32 MB behind)."""
    chunks: list[list[dict[str, Any]]] = []
    chunk: list[dict[str, Any]] = []
    size = 0
    for event in events:
        chunk.append(event)
        size += _approximate_size(event)
        if len(chunk) >= _MAX_EVENTS_PER_MESSAGE or size >= _MAX_MESSAGE_BYTES:
            chunks.append(chunk)
            chunk, size = [], 0
    if chunk:
        chunks.append(chunk)
    return chunks


def _approximate_size(event: dict[str, Any]) -> int:
    # Inputs and outputs (strings in the details) are what can be large; no need to serialise.
    size = 200
    for value in event.values():
        if isinstance(value, dict):
            size += sum(len(v) for v in value.values() if isinstance(v, str))
    return size


async def _deliver(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        loop = _consumer_loop
        if loop is not None and not loop.is_closed():  # no loop: nobody in this process listens
            send = layer.group_send(group, message)
            try:
                asyncio.run_coroutine_threadsafe(send, loop)
            except RuntimeError:  # the loop closed meanwhile (tests end theirs)
                send.close()
        return
    await layer.group_send(group, message)


_publisher: Publisher | None = None
_publisher_lock = threading.Lock()


def get_publisher() -> Publisher:
    """The process's publisher (a forked process, e.g. a Celery pool process, gets its own)."""
    global _publisher
    with _publisher_lock:
        if _publisher is None or _publisher._pid != os.getpid():
            _publisher = Publisher(settings.SWITCHYARD_LIVE_COALESCE_MS / 1000)
            atexit.register(_publisher.drain)
        return _publisher


def publish_batch(batch: list[tuple], machine_names: dict[str, str], written: dict[str, list]) -> None:
    """Publish a batch the sink has just committed: ``batch`` holds its ``("events", arn, [event])``
    and ``("finished", arn, result)`` items, ``machine_names`` the state machine's name of each ARN
    written and ``written`` the events stored per ARN, as the runtime reported them.
    Never raises: live updates must not break the history writer."""
    try:
        _publish_batch(batch, machine_names, written)
    except Exception:
        logger.exception("Publishing live updates for a written batch failed (the history is written)")


class _Watchers:
    """Whether a group has subscribers, asked of the layer: the in-memory layer's own table, or
    the group channels Redis has subscribers for, all read in one round trip and kept for
    WATCH_TTL_S (so a new execution's group costs no round trip of its own; a Redis that does not
    answer counts as watched, so the layer's own errors decide)."""

    def __init__(self) -> None:
        self._channels: frozenset[bytes] = frozenset()
        self._until = 0.0  # monotonic time until which _channels is taken as true
        self._lock = threading.Lock()
        self._client: redis.Redis | None = None
        self._pid = os.getpid()

    def __call__(self, group: str) -> bool:
        layer = get_channel_layer()
        if layer is None:
            return False
        if isinstance(layer, InMemoryChannelLayer):
            return bool(layer.groups.get(group))
        prefix, host = _pubsub_settings()
        if host is None:
            return True  # a layer we cannot ask: publish, as before
        if self._until <= time.monotonic() or self._pid != os.getpid():
            try:
                self._refresh(prefix, host)
            except redis.RedisError:
                return True
        return f"{prefix}__group__{group}".encode() in self._channels

    def forget(self) -> None:
        """Ask Redis again at the next question."""
        self._until = 0.0

    def _refresh(self, prefix: str, host: str) -> None:
        with self._lock:  # one thread asks; the others wait for its answer rather than ask too
            if self._until > time.monotonic() and self._pid == os.getpid():
                return
            if self._client is None or self._pid != os.getpid():  # a forked process makes its own
                self._client = redis.Redis.from_url(host, socket_timeout=2, socket_connect_timeout=2)
                self._pid = os.getpid()
            pattern = re.sub(r"([*?\[\]\\])", r"\\\1", prefix) + "__group__*"
            self._channels = frozenset(self._client.pubsub_channels(pattern))
            self._until = time.monotonic() + WATCH_TTL_S


def _pubsub_settings() -> tuple[str, str | None]:
    """The Redis pub/sub layer's channel prefix and its Redis URL, as settings.channel_layers
    configures it (None: another layer, or more than one Redis)."""
    layer = settings.CHANNEL_LAYERS.get("default", {})
    config = layer.get("CONFIG", {})
    hosts = config.get("hosts") or []
    if not layer.get("BACKEND", "").endswith("RedisPubSubChannelLayer") or len(hosts) != 1:
        return "", None
    return config.get("prefix", "asgi"), hosts[0] if isinstance(hosts[0], str) else None


watched = _Watchers()


def _publish_batch(batch: list[tuple], machine_names: dict[str, str], written: dict[str, list]) -> None:
    publisher = get_publisher()
    for arn, events in written.items():
        group = execution_group(arn)
        if watched(group):
            publisher.submit(group, events=[raw_event_wire(event) for event in events])
    for kind, arn, _ in batch:
        if kind == "finished" and arn in machine_names and (
                watched(execution_group(arn)) or watched(machine_group(machine_names[arn]))):
            execution = EXECUTION_BY_ARN.get(arn)  # read only for someone who watches
            if execution is not None:
                publish_status(execution)


def publish_status(execution: Execution) -> None:
    """Publish the execution's status: in full to its own stream, metadata only to its machine's."""
    publisher = get_publisher()
    group = execution_group(execution.arn)
    if watched(group):
        publisher.submit(group, statuses=[status_wire(execution)])
    group = machine_group(execution.state_machine.name)
    if watched(group):
        publisher.submit(group, statuses=[status_wire(execution, include_data=False)])


def _after_commit(func, *args) -> None:
    def run() -> None:
        try:
            func(*args)
        except Exception:
            logger.exception("Publishing a live update failed")

    transaction.on_commit(run)


def _on_execution_saved(sender, instance: Execution, **kwargs) -> None:
    # Saved here: created (StartExecution), or closed by the web process without its runtime.
    _after_commit(publish_status, instance)


def _on_event_saved(sender, instance: HistoryEvent, created: bool = False, **kwargs) -> None:
    if created:  # the sink's bulk inserts send no signal; they are published by publish_batch
        _after_commit(lambda: get_publisher().submit(execution_group(instance.execution.arn),
                                                     events=[event_wire(instance)]))


def _on_worker_process_shutdown(**kwargs) -> None:
    if _publisher is not None:
        _publisher.drain()


def connect_signals() -> None:
    """Publish what the web process writes itself, and drain at a Celery pool process's end
    (those end with os._exit: no atexit). Called once, from the app's ready()."""
    from celery.signals import worker_process_shutdown

    post_save.connect(_on_execution_saved, sender=Execution, dispatch_uid="switchyard-live-execution")
    post_save.connect(_on_event_saved, sender=HistoryEvent, dispatch_uid="switchyard-live-event")
    worker_process_shutdown.connect(_on_worker_process_shutdown, dispatch_uid="switchyard-live-drain")
