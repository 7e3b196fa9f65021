"""The live websockets: ``/ws/executions/<executionArn>`` and ``/ws/machines/<name>``.

Catching up without gaps or repeats: a socket joins its group first, then reads the
database, then sends live events only past the last id it sent. A live message that skips
ids (two processes wrote the execution, and the later one published first) is preceded by
a read of what the database holds past the last id sent, and so is an end. Writers publish
only to groups with subscribers, and may take a second to learn of a new one
(designer/live/publisher.py): a socket reads the database once more after that second.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from designer import selectors
from designer.errors import ServiceError
from designer.live.access import query_params, websocket_allowed
from designer.live.groups import execution_group, machine_group
from designer.live.metrics import metrics_message
from designer.live.publisher import WATCH_TTL_S, register_consumer_loop
from designer.live.wire import event_wire, status_wire
from designer.models import Execution, StateMachine

logger = logging.getLogger(__name__)

__all__ = ["ExecutionEventsConsumer", "MachineExecutionsConsumer", "CLOSE_FORBIDDEN", "CLOSE_NOT_FOUND",
           "CLOSE_BAD_REQUEST"]

CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, CLOSE_BAD_REQUEST = 4403, 4404, 4400
METRICS_INTERVAL_S = 1.0
_PAGE = 1000  # events per database read
# A websocket message holds events up to about this many bytes (inputs can be 256 KB each, and
# many clients refuse frames past 1 MiB by default).
_FRAME_BYTES = 256 * 1024
_MACHINE_SNAPSHOT = 100  # executions listed when a machine's socket opens


class _LiveConsumer(AsyncJsonWebsocketConsumer):
    """Access check, group membership and the metrics ticker, shared by both streams."""

    group: str | None = None
    _metrics_task: asyncio.Task | None = None
    _recheck_task: asyncio.Task | None = None

    async def connect(self) -> None:
        if not websocket_allowed(self.scope):
            await self.close(code=CLOSE_FORBIDDEN)  # before accept: the handshake gets a 403
            return
        register_consumer_loop(asyncio.get_running_loop())
        await self.accept()
        params = query_params(self.scope)
        try:
            await self.open(params)
        except _Refused as refused:
            await self.send_json({"type": "error", "message": refused.message})
            await self.close(code=refused.code)
            return
        self._recheck_task = asyncio.create_task(self._recheck_later())
        if params.get("metrics", "1") != "0":
            self._metrics_task = asyncio.create_task(self._send_metrics())

    async def open(self, params: dict[str, str]) -> None:
        raise NotImplementedError

    async def _recheck_later(self) -> None:
        await asyncio.sleep(WATCH_TTL_S + 0.1)
        await self.recheck()

    async def recheck(self) -> None:
        """Read the database again for what was written while the writers did not know of this
        socket yet (they may take WATCH_TTL_S to learn of it: designer/live/publisher.py)."""
        raise NotImplementedError

    async def join(self, group: str) -> None:
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        for task in (self._metrics_task, self._recheck_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _send_metrics(self) -> None:
        while True:
            try:
                await self.send_json(await database_sync_to_async(metrics_message, thread_sensitive=False)())
            except Exception:  # figures that cannot be read this second may be readable the next
                logger.warning("Could not send live metrics", exc_info=True)
            await asyncio.sleep(METRICS_INTERVAL_S)


class _Refused(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class ExecutionEventsConsumer(_LiveConsumer):
    """One execution: its history events in id order, then live; its status as DescribeExecution."""

    last_id = 0
    last_status: dict[str, Any] | None = None
    _sending: asyncio.Lock | None = None  # the later catch-up and live messages take turns

    async def open(self, params: dict[str, str]) -> None:
        arn = self.scope["url_route"]["kwargs"]["execution_arn"]
        try:
            self.last_id = int(params.get("after", "0"))
        except ValueError:
            raise _Refused(CLOSE_BAD_REQUEST, f"after must be an event id, not {params['after']!r}") from None
        try:
            self.execution_id = await database_sync_to_async(_execution_id)(arn)
        except ServiceError as exc:
            raise _Refused(CLOSE_NOT_FOUND, str(exc)) from None
        self._sending = asyncio.Lock()
        await self.join(execution_group(arn))
        await self._catch_up_with_status()

    async def _catch_up_with_status(self) -> None:
        # The status first: the sink commits an execution's events before its end, so every
        # event up to a terminal status read here is in the catch-up below.
        status = await database_sync_to_async(_status)(self.execution_id)
        await self._catch_up()
        await self._send_status(status)

    async def recheck(self) -> None:
        if self.last_status is None or self.last_status["status"] == "RUNNING":
            async with self._sending:
                await self._catch_up_with_status()

    async def live_batch(self, message: dict[str, Any]) -> None:
        async with self._sending:
            await self._live_batch(message)

    async def _live_batch(self, message: dict[str, Any]) -> None:
        events = self._unsent(message["events"])
        ends = any(status["status"] != "RUNNING" for status in message["statuses"])
        if ends or (events and [e["id"] for e in events] != list(range(self.last_id + 1,
                                                                           self.last_id + 1 + len(events)))):
            await self._catch_up()  # an end comes after every event, even those not published
            events = self._unsent(events)
        await self._send_events(events)
        for status in message["statuses"]:
            await self._send_status(status)

    def _unsent(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        fresh = {e["id"]: e for e in events if e["id"] > self.last_id}
        return [fresh[key] for key in sorted(fresh)]

    async def _catch_up(self) -> None:
        while True:
            page = await database_sync_to_async(_events_after)(self.execution_id, self.last_id)
            await self._send_events(page)
            if len(page) < _PAGE:
                return

    async def _send_events(self, events: list[dict[str, Any]]) -> None:
        chunk: list[str] = []
        size = 0
        for event in events:
            text = json.dumps(event)
            chunk.append(text)
            size += len(text)
            if size >= _FRAME_BYTES:
                await self._send_chunk(chunk)
                chunk, size = [], 0
        if chunk:
            await self._send_chunk(chunk)
        if events:
            self.last_id = events[-1]["id"]

    async def _send_chunk(self, texts: list[str]) -> None:
        # Events are serialised once each; the message around them is written by hand.
        if len(texts) == 1:
            await self.send(text_data=f'{{"type": "event", "event": {texts[0]}}}')
        else:
            await self.send(text_data=f'{{"type": "events", "events": [{", ".join(texts)}]}}')

    async def _send_status(self, status: dict[str, Any]) -> None:
        if status == self.last_status or _stale(self.last_status, status):
            return
        self.last_status = status
        await self.send_json(status)


class MachineExecutionsConsumer(_LiveConsumer):
    """One state machine: its recent executions, then each start and status change as it happens."""

    async def open(self, params: dict[str, str]) -> None:
        name = self.scope["url_route"]["kwargs"]["name"]
        if not await database_sync_to_async(StateMachine.objects.filter(name=name).exists)():
            raise _Refused(CLOSE_NOT_FOUND, f"State Machine Does Not Exist: '{name}'")
        self.name = name
        await self.join(machine_group(name))
        executions = await database_sync_to_async(_recent_executions)(name)
        self.last_status = {status["executionArn"]: status for status in executions}
        await self.send_json({"type": "executions", "executions": executions})

    async def recheck(self) -> None:
        executions = await database_sync_to_async(_recent_executions)(self.name)
        for status in reversed(executions):  # oldest first, as they happened
            if self.last_status.get(status["executionArn"], {}).get("status") != status["status"]:
                await self.live_batch({"statuses": [status]})

    async def live_batch(self, message: dict[str, Any]) -> None:
        for status in message["statuses"]:
            arn = status["executionArn"]
            if not _stale(self.last_status.get(arn), status):
                self.last_status[arn] = status
                await self.send_json(status)


def _stale(last: dict[str, Any] | None, status: dict[str, Any]) -> bool:
    """True for RUNNING after an end: the start's message, published late by another process."""
    return last is not None and last["status"] != "RUNNING" and status["status"] == "RUNNING"


def _execution_id(arn: str) -> int:
    return selectors.execution_get(arn=arn).id


def _status(execution_id: int) -> dict[str, Any]:
    return status_wire(Execution.objects.select_related("state_machine").get(id=execution_id))


def _events_after(execution_id: int, after: int) -> list[dict[str, Any]]:
    execution = Execution(id=execution_id)
    events, _ = selectors.history_page(execution=execution, after=after, limit=_PAGE)
    return [event_wire(event) for event in events]


def _recent_executions(name: str) -> list[dict[str, Any]]:
    rows = selectors.execution_list().filter(state_machine__name=name)[:_MACHINE_SNAPSHOT]
    return [status_wire(execution, include_data=False) for execution in rows]
