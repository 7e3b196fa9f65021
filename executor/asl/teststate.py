"""TestState: run one state once, as AWS's TestState action does, and report what each step made.

:func:`test_state` takes a parsed machine and a state name, the input, variables and context,
an optional mock (a result, or an error and cause) and the state configuration AWS defines
(``retrierRetryCount``, ``mapIterationFailureCount``, ``errorCausedByState``). It never waits
(a Wait state returns at once, a retrier's back-off is only reported) and records no history.
The answer has AWS's status: SUCCEEDED, FAILED, RETRIABLE (a retrier with attempts left matched
the error) or CAUGHT_ERROR (a catcher did), with ``inspectionData`` as AWS fills it.

The steps are the interpreter's own (paths, payload templates, Choice rules, Retry and Catch
matching); only their order is written again here, so that each intermediate value can be kept.
"""
from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from .errors import STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD, STATES_TIMEOUT, StatesError
from .history import is_activity, needs_task_token
from .interpreter import Execution, ExecutionInfo, Hooks
from .retry import error_matches
from .scope import JSONATA, Fatal, Frame, Scope, assign_variables
from .states import MapState, State, StateMachine

__all__ = ["TestStateResult", "Mock", "test_state", "MOCK_REQUIRED"]

#: What AWS says a mock is needed for: states whose work cannot be run once on its own.
MOCK_REQUIRED = "A mock is required to test a {what} state"


@dataclass(frozen=True)
class Mock:
    """The mocked result of a Task, Map or Parallel state, or the error it throws."""

    result: Any = None
    error: str | None = None
    cause: str | None = None

    @property
    def throws(self) -> bool:
        return self.error is not None


@dataclass
class TestStateResult:
    """TestState's answer; ``inspection`` holds ``inspectionData``'s members (JSON values, not text)."""

    __test__ = False  # not a pytest class

    status: str
    output: Any = None
    has_output: bool = False
    next_state: str | None = None
    error: str | None = None
    cause: str | None = None
    inspection: dict = field(default_factory=dict)


async def test_state(machine: StateMachine, state_name: str, value: Any, *, info: ExecutionInfo,
                     invoke: Callable[[str, Any, dict], Awaitable[Any]] | None = None,
                     variables: dict | None = None, context: dict | None = None, mock: Mock | None = None,
                     retrier_retry_count: int = 0, map_iteration_failure_count: int | None = None,
                     ) -> TestStateResult:
    """Run ``machine.states[state_name]`` once on ``value``; see the module's docstring."""
    state = machine.states[state_name]
    execution = Execution(machine, info, Hooks(invoke=invoke or _no_invoke))
    frame = Frame(0, execution.log, dict(variables or {}))
    scope = Scope(execution, state.name, info.start_time, frame)
    scope.counts_retries = state.type in ("Task", "Parallel", "Map")
    scope.retry_count = retrier_retry_count
    if context is not None:
        scope._context = context
    run = _Run(execution, state, scope, mock, map_iteration_failure_count)
    run.inspection["input"] = value
    try:
        try:
            result = await run.step(value)
        except Fatal as fatal:
            raise fatal.error from None
    except StatesError as exc:
        return run.handle(exc, value, retrier_retry_count)
    output, next_state = result
    run.inspection["variables"] = frame.variables
    return TestStateResult("SUCCEEDED", output, True, next_state, inspection=run.inspection)


async def _no_invoke(resource: str, parameters: Any, info: dict) -> Any:
    raise StatesError("States.Runtime", f"No local binding for the resource '{resource}'")


class _Run:
    """One TestState run: the steps of the state, keeping what each made."""

    def __init__(self, execution: Execution, state: State, scope: Scope, mock: Mock | None,
                 map_iteration_failure_count: int | None):
        self.x, self.state, self.scope, self.mock = execution, state, scope, mock
        self.failures = map_iteration_failure_count
        self.inspection: dict[str, Any] = {}

    async def step(self, raw: Any) -> tuple[Any, str | None]:
        state, x, scope = self.state, self.x, self.scope
        stype = state.type
        if stype in ("Map", "Parallel") and self.mock is None:
            raise _usage(MOCK_REQUIRED.format(what=stype))
        if stype == "Task" and self.mock is None and (is_activity(state.resource)
                                                     or needs_task_token(state.resource)
                                                     or state.resource.endswith(".sync")
                                                     or ".sync:" in state.resource):
            raise _usage(MOCK_REQUIRED.format(what="callback, .sync or activity Task"))
        if stype == "Choice":
            target, output = x._choice(state, raw, scope, 0)
            if state.query_language != JSONATA:
                self.inspection["afterInputPath"] = x._input_path(state, raw, scope, 0)
            return output, target
        if stype == "Fail":
            raise x._fail_error(state, raw, scope, 0)
        if state.query_language == JSONATA:
            return await self._jsonata(raw), _next(state)
        return await self._jsonpath(raw), _next(state)

    async def _jsonpath(self, raw: Any) -> Any:
        state, x, scope = self.state, self.x, self.scope
        effective = x._input_path(state, raw, scope, 0)
        self.inspection["afterInputPath"] = effective
        stype = state.type
        if stype in ("Wait", "Succeed"):
            result = effective
        elif stype == "Pass":
            result = x._pass(state, effective, scope)
            if not state.has_result:
                self.inspection["afterParameters"] = result
        else:
            if stype == "Map":
                self._map_inspection(effective)
            params = x._parameters(state, effective, scope)
            if stype in ("Task", "Parallel"):
                self.inspection["afterParameters"] = params
            result = await self._result(params)
            self.inspection["result"] = result
        if state.result_selector is not None:
            result = state.result_selector(result, scope)
            self.inspection["afterResultSelector"] = result
        if state.assign is not None:
            assign_variables(scope.frame, state.assign(result, scope))
        output = x._result_into(state, raw, result)
        if stype not in ("Wait", "Succeed"):
            self.inspection["afterResultPath"] = output
        return x._output_path(state, output, scope, 0)

    async def _jsonata(self, raw: Any) -> Any:
        state, x, scope = self.state, self.x, self.scope
        states = {"input": raw}
        stype = state.type
        if stype in ("Task", "Map", "Parallel"):
            if stype == "Map":
                self._map_inspection(raw)
            arguments = x._parameters(state, raw, scope)
            if state.parameters is not None:
                self.inspection["afterArguments"] = arguments
            states["result"] = result = await self._result(arguments)
            self.inspection["result"] = result
        else:
            result = raw
        assigned = state.assign(states, scope) if state.assign is not None else None
        output = state.output(states, scope) if state.output is not None else result
        if assigned:
            assign_variables(scope.frame, assigned)
        return output

    def _map_inspection(self, effective: Any) -> None:
        state: MapState = self.state  # type: ignore[assignment]
        try:
            self.inspection["afterItemsPath"] = self.x._map_items(state, effective, self.scope, 0)
        except StatesError:
            pass
        count, pct = self.x._map_tolerance(state, effective, self.scope, 0)
        if count is not None:
            self.inspection["toleratedFailureCount"] = int(count)
        if pct is not None:
            self.inspection["toleratedFailurePercentage"] = float(pct)
        if isinstance(state.max_concurrency, int):
            self.inspection["maxConcurrency"] = state.max_concurrency

    async def _result(self, parameters: Any) -> Any:
        state = self.state
        if self.failures and state.type == "Map":
            count = self.inspection.get("toleratedFailureCount")
            pct = self.inspection.get("toleratedFailurePercentage")
            total = len(self.inspection.get("afterItemsPath") or []) or self.failures
            if not self.x._tolerated(self.failures, total, count, pct):
                raise StatesError(STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD,
                                  "The specified tolerated failure threshold was exceeded")
        if self.mock is not None:
            if self.mock.throws:
                raise StatesError(self.mock.error, self.mock.cause)
            return self.mock.result
        timeout = self.x._seconds(state, state.timeout_seconds, parameters, self.scope, "TimeoutSeconds")
        info = {"execution_arn": self.x.info.execution_arn, "state_name": state.name, "key": f"/{state.name}@1:0",
                "attempt": self.scope.retry_count, "timeout_seconds": timeout, "heartbeat_seconds": None,
                "started": lambda *_: None, "submitted": lambda *_: None, "context": None}
        call = self.x.hooks.invoke(state.resource, parameters, info)
        try:
            return await (asyncio.wait_for(call, timeout) if timeout else call)
        except asyncio.TimeoutError:
            raise StatesError(STATES_TIMEOUT, None) from None

    def handle(self, exc: StatesError, raw: Any, retry_count: int) -> TestStateResult:
        """The answer to a state that raised ``exc``: RETRIABLE, CAUGHT_ERROR or FAILED."""
        if isinstance(exc, _Usage):
            raise exc
        state = self.state
        self.inspection["variables"] = self.scope.frame.variables
        for index, retrier in enumerate(state.retry):
            if error_matches(retrier.error_equals, exc.error):
                if retry_count < retrier.max_attempts:
                    backoff = retrier.delay(retry_count, random.Random(f"{state.name}|{retry_count}"))
                    self.inspection["errorDetails"] = {"retryIndex": index,
                                                       "retryBackoffIntervalSeconds": int(backoff)}
                    return TestStateResult("RETRIABLE", next_state=state.name, error=exc.error, cause=exc.cause,
                                           inspection=self.inspection)
                break
        for index, catcher in enumerate(state.catch):
            if error_matches(catcher.error_equals, exc.error):
                output = self.x._caught(state, catcher, raw, exc, self.scope)[1]
                self.inspection["errorDetails"] = {"catchIndex": index}
                self.inspection["variables"] = self.scope.frame.variables
                return TestStateResult("CAUGHT_ERROR", output, True, catcher.next, exc.error, exc.cause,
                                       self.inspection)
        return TestStateResult("FAILED", error=exc.error, cause=exc.cause, inspection=self.inspection)


class _Usage(StatesError):
    """A request TestState cannot run (AWS answers ValidationException)."""


def _usage(message: str) -> _Usage:
    return _Usage("ValidationException", message)


def _next(state: State) -> str | None:
    return None if state.end or state.type == "Succeed" else state.next
