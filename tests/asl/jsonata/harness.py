"""Run a definition through the interpreter with fakes: no waiting, no network, no Django."""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Callable

from executor.asl import DefinitionError, Execution, ExecutionInfo, Hooks, Outcome, StatesError, parse_definition

START_TIME = 1_700_000_000.0
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:work"
JSONATA = {"QueryLanguage": "JSONata"}


@dataclass
class Run:
    outcome: Outcome
    events: list[dict]
    sleeps: list[float] = field(default_factory=list)
    calls: list[Any] = field(default_factory=list)

    @property
    def output(self) -> Any:
        assert self.outcome.status == "SUCCEEDED", self.outcome
        return self.outcome.output

    def of_type(self, event_type: str) -> list[dict]:
        return [e for e in self.events if e["type"] == event_type]


def echo(resource: str, parameters: Any, info: dict) -> Any:
    return parameters


def raising(error: str, cause: str | None = None) -> Callable:
    def invoke(resource, parameters, info):
        raise StatesError(error, cause)
    return invoke


def run(definition: dict, value: Any = None, *, invoke: Callable = echo) -> Run:
    machine = parse_definition(json.dumps(definition))
    sleeps: list[float] = []
    calls: list[Any] = []
    events: list[dict] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def fake_invoke(resource, parameters, info):
        calls.append(parameters)
        return invoke(resource, parameters, info)

    info = ExecutionInfo(execution_arn="arn:aws:states:us-east-1:123456789012:execution:m:run-1", name="run-1",
                         state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m",
                         state_machine_name="m", role_arn="arn:aws:iam::123456789012:role/r",
                         start_time=START_TIME, input={} if value is None else value)
    hooks = Hooks(invoke=fake_invoke, sleep=fake_sleep, now=lambda: START_TIME, on_event=events.append)
    outcome = asyncio.run(Execution(machine, info, hooks).run())
    return Run(outcome, events, sleeps, calls)


def machine(*states: tuple[str, dict], **top: Any) -> dict:
    """A JSONata definition from (name, body) pairs, each linked to the next, the last ending."""
    body = {}
    for i, (name, state) in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Choice", "Succeed", "Fail") and "Next" not in state and "End" not in state:
            state.update({"Next": states[i + 1][0]} if i + 1 < len(states) else {"End": True})
        body[name] = state
    return {**JSONATA, "StartAt": states[0][0], "States": body, **top}


def sub(*states: tuple[str, dict]) -> dict:
    """A branch or an ItemProcessor (it inherits the query language)."""
    whole = machine(*states)
    return {"StartAt": whole["StartAt"], "States": whole["States"]}


def problems(definition: dict) -> list[tuple[str, str]]:
    """The (location, message) pairs of a rejected definition; [] when it is accepted."""
    try:
        parse_definition(json.dumps(definition))
    except DefinitionError as exc:
        return [(p.path, p.message) for p in exc.problems]
    return []


def locations(definition: dict) -> list[str]:
    return [path for path, _ in problems(definition)]
