"""What stands between a Task and its real resource when an execution is a local test.

An execution may carry local-test settings (``ExecutionRequest.local``):

* ``testCase``: a mock test case (:mod:`executor.resources.mocks`), answered instead of the resource;
* ``faults``: a fault plan (:mod:`executor.resources.faults`): errors, latency, timeouts and missed
  heartbeats injected into chosen Task states.

:func:`intercept` wraps a runtime's ``invoke`` hook so that faults fire first, then a mocked state
is answered from its test case, and only a state neither touches reaches ``invoke`` (so nothing
real is resolved, sent or run for a mocked state). The interpreter records the same events either
way: TaskScheduled/TaskStarted/TaskSucceeded, TaskFailed or TaskTimedOut (LambdaFunction... for
Lambda function ARNs).
"""
from __future__ import annotations

import hashlib
from typing import Any, Awaitable, Callable

from executor.asl import StatesError

from .faults import INJECTED, check_fault_plan, faults_for
from .mocks import TestCase

__all__ = ["intercept", "intercept_token", "Invoke"]

Invoke = Callable[[str, Any, dict], Awaitable[Any]]


def intercept(invoke: Invoke, sleep: Callable[[float], Awaitable[None]], local: dict | None) -> Invoke:
    """``invoke`` behind the test case and fault plan of ``local`` (``invoke`` itself when there are none)."""
    if not local or not (local.get("testCase") or local.get("faults")):
        return invoke
    case = TestCase.from_json(local["testCase"]) if local.get("testCase") else None
    plan = check_fault_plan(local["faults"]) if local.get("faults") else None
    calls: dict[str, int] = {}

    async def local_invoke(resource: str, parameters: Any, info: dict) -> Any:
        state = info["state_name"]
        for fault in faults_for(plan, state, info["key"]):
            if fault.type == "latency":
                await sleep(fault.seconds)
            elif fault.type == "error":
                raise StatesError(fault.error, fault.cause)
            elif fault.type == "timeout":
                limit = info.get("timeout_seconds")
                raise StatesError("States.Timeout", f"{INJECTED}: the task timed out"
                                  + (f" (TimeoutSeconds {limit:g})" if limit else ""))
            else:
                limit = info.get("heartbeat_seconds")
                raise StatesError("States.HeartbeatTimeout", f"{INJECTED}: the task missed its heartbeat"
                                  + (f" (HeartbeatSeconds {limit:g})" if limit else ""))
        if case is not None and state in case.states:
            n = calls.get(state, 0)
            calls[state] = n + 1
            answer = case.response(state, n)
            if answer.throws:
                raise StatesError(answer.error, answer.cause)
            return answer.result
        return await invoke(resource, parameters, info)

    return local_invoke


def intercept_token(task_token: Callable[[str], str] | None, local: dict | None) -> Callable[[str], str] | None:
    """The task-token hook behind a test case: a mocked callback or activity Task gets a made-up token
    (as Step Functions Local does) and no runtime is asked for one (the embedded runtime has none)."""
    mocked = set((local or {}).get("testCase", {}).get("states", {})) if local else set()
    if not mocked:
        return task_token

    def token(key: str) -> str:
        state = key.rsplit("/", 1)[-1].rsplit("@", 1)[0]
        if state in mocked:
            return hashlib.sha256(f"mocked-task-token|{key}".encode()).hexdigest()
        if task_token is None:
            raise StatesError("States.Runtime", "This runtime hands out no task tokens")
        return task_token(key)

    return token
