"""Drive the interpreter in-process with fakes: no real waiting, no network, no Django."""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from executor.asl import Execution, ExecutionInfo, Hooks, Outcome, StatesError, parse_definition

ARN = "arn:aws:states:us-east-1:123456789012:execution:machine:run-1"
MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:machine"
START_TIME = 1_700_000_000.0


@dataclass
class Run:
    """What one execution did: its outcome, its history, the sleeps it asked for and the tasks it ran."""

    outcome: Outcome
    events: list[dict]
    sleeps: list[float] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    def of_type(self, event_type: str) -> list[dict]:
        return [e for e in self.events if e["type"] == event_type]


def echo(resource: str, parameters: Any, info: dict) -> Any:
    return parameters


def fails(error: str, cause: str | None = None) -> Callable:
    def invoke(resource, parameters, info):
        raise StatesError(error, cause)
    return invoke


def info_for(value: Any) -> ExecutionInfo:
    return ExecutionInfo(execution_arn=ARN, name="run-1", state_machine_arn=MACHINE_ARN,
                         state_machine_name="machine", role_arn="arn:aws:iam::123456789012:role/r",
                         start_time=START_TIME, input=value)


def run(definition: Any, value: Any = None, *, invoke: Callable = echo, now: Callable[[], float] | None = None,
        real_sleep: bool = False, limit: float = 5.0, start_at: str | None = None,
        variables: dict | None = None) -> Run:
    """Run ``definition`` on ``value`` (from the top-level state ``start_at``, with ``variables`` in
    scope, when given); ``invoke`` may be sync or async and may raise StatesError."""
    machine = parse_definition(json.dumps(definition) if isinstance(definition, dict) else definition)
    sleeps: list[float] = []
    calls: list[tuple[str, Any]] = []
    events: list[dict] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await asyncio.sleep(0)

    async def call(resource, parameters, info):
        calls.append((resource, parameters))
        result = invoke(resource, parameters, info)
        if asyncio.iscoroutine(result):
            result = await result
        return result

    hooks = Hooks(invoke=call, sleep=asyncio.sleep if real_sleep else fake_sleep, on_event=events.append)
    if now is not None:
        hooks.now = now
    info = replace(info_for({} if value is None else value), start_at=start_at, variables=variables)
    execution = Execution(machine, info, hooks)

    async def main():
        return await asyncio.wait_for(execution.run(), limit)

    outcome = asyncio.run(main())
    return Run(outcome, events, sleeps, calls)


def chain(*states: tuple[str, dict], **top: Any) -> dict:
    """A definition from (name, body) pairs, each linked to the next, the last ending."""
    names = [n for n, _ in states]
    body = {}
    for i, (name, state) in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Choice", "Succeed", "Fail") and "Next" not in state and "End" not in state:
            if i + 1 < len(names):
                state["Next"] = names[i + 1]
            else:
                state["End"] = True
        body[name] = state
    return {"StartAt": names[0], "States": body, **top}


def single(state: dict, **top: Any) -> dict:
    return chain(("S", state), **top)
