"""Helpers for the live tests: executions, events, and a websocket client that collects messages."""
from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from channels.testing import WebsocketCommunicator
from django.utils import timezone

from designer import arns
from designer.models import Execution, StateMachine

ROLE_ARN = "arn:aws:iam::123456789012:role/test"
PASS_DEFINITION = json.dumps({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "End": True}}})
LOOPBACK = ("127.0.0.1", 50123)


def state_machine(name: str = "live") -> StateMachine:
    return StateMachine.objects.create(name=name, arn=arns.state_machine_arn(name), definition=PASS_DEFINITION,
                                       role_arn=ROLE_ARN)


def execution(machine: StateMachine, name: str = "run") -> Execution:
    return Execution.objects.create(arn=arns.execution_arn(machine.name, name), name=name, state_machine=machine,
                                    definition=machine.definition, input='{"n": 1}', start_date=timezone.now())


def event(event_id: int, type: str = "PassStateEntered") -> dict[str, Any]:
    """A history event as runtimes hand them to the sink."""
    return {"id": event_id, "previousEventId": event_id - 1, "timestamp": time.time(), "type": type,
            "stateEnteredEventDetails": {"name": f"S{event_id}", "input": json.dumps({"i": event_id})}}


class Client:
    """A websocket client on the ASGI application, sorting what it hears by message type."""

    def __init__(self, path: str, *, client: tuple[str, int] = LOOPBACK, headers: list | None = None):
        from config.asgi import application

        # As a browser or websocket library sends it: the Host header names this server.
        headers = headers or []
        if not any(name.lower() == b"host" for name, _ in headers):
            headers = [(b"host", b"127.0.0.1:8000"), *headers]
        self.comm = WebsocketCommunicator(application, path, headers=headers)
        self.comm.scope["client"] = client
        self.events: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []

    async def connect(self) -> tuple[bool, int | None]:
        return await self.comm.connect(timeout=5)

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        """The next message. Waits with receive_nothing: a receive that times out cancels the app."""
        deadline = asyncio.get_running_loop().time() + timeout
        while await self.comm.receive_nothing(timeout=0.02, interval=0.005):
            if asyncio.get_running_loop().time() > deadline:
                raise asyncio.TimeoutError
        message = await self.comm.receive_json_from(timeout=5)
        self.messages.append(message)
        if message["type"] == "event":
            self.events.append(message["event"])
        elif message["type"] == "events":
            self.events.extend(message["events"])
        elif message["type"] == "status":
            self.statuses.append(message)
        return message

    async def until(self, predicate, timeout: float = 10) -> None:
        """Receive until ``predicate(self)`` holds; fail after ``timeout`` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate(self):
            left = deadline - asyncio.get_running_loop().time()
            try:
                await self.receive(timeout=max(left, 0))
            except asyncio.TimeoutError:
                raise AssertionError(f"not met within {timeout}s; heard {self.messages[-5:]}") from None

    async def quiet(self, seconds: float = 0.3) -> None:
        """Receive whatever else arrives until nothing has for ``seconds``."""
        try:
            while True:
                await self.receive(timeout=seconds)
        except asyncio.TimeoutError:
            return

    def ids(self) -> list[int]:
        return [e["id"] for e in self.events]

    async def close(self) -> None:
        await self.comm.disconnect()
