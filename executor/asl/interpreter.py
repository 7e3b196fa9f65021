"""The ASL interpreter: runs a parsed state machine to its end.

The lifecycle of a state is written once (:meth:`Execution.run_state`: enter,
InputPath, the type's own step, ResultSelector, ResultPath, OutputPath, exit,
Retry/Catch); each state type supplies only its step. The interpreter talks to
the world through :class:`Hooks` (run a task, sleep, read the clock, receive
events), so it imports no framework and its tests use fakes.

Branches and iterations are asyncio tasks: a Wait holds no thread, and a Map
over 100 waiting items waits once.
"""
from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from .choice import parse_timestamp
from .errors import (STATES_DATA_LIMIT_EXCEEDED,
                     STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD, STATES_NO_CHOICE_MATCHED, STATES_RUNTIME,
                     STATES_TIMEOUT, StatesError)
from .history import MAX_PAYLOAD_BYTES, EventLog, dumps, lambda_function_name, split_resource
from .paths import PathNotFound, set_reference_path
from .retry import error_matches
from .states import (ChoiceState, FailState, MapState, ParallelState, PassState, State, StateMachine,
                     TaskState, WaitState)

__all__ = ["Hooks", "ExecutionInfo", "Execution", "Outcome", "iso_time"]

_FATAL = frozenset({STATES_RUNTIME, STATES_DATA_LIMIT_EXCEEDED})
_JSONATA = "JSONata"
_TRUNC = {"truncated": False}


def iso_time(epoch: float) -> str:
    """``2024-01-02T03:04:05.678Z``: the form AWS uses in the context object."""
    dt = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


@dataclass
class Hooks:
    """What the interpreter needs from its runtime."""

    invoke: Callable[[str, Any, dict], Awaitable[Any]]  # (resource, parameters, info) -> result
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    now: Callable[[], float] = time.time
    on_event: Callable[[dict], None] | None = None
    rng: random.Random = field(default_factory=random.Random)


@dataclass(frozen=True)
class ExecutionInfo:
    execution_arn: str
    name: str
    state_machine_arn: str
    state_machine_name: str
    role_arn: str
    start_time: float
    input: Any


@dataclass
class Outcome:
    status: str  # SUCCEEDED, FAILED, TIMED_OUT, ABORTED
    output: Any = None
    error: str | None = None
    cause: str | None = None


class _Fatal(Exception):
    """Ends the whole execution at once (States.Runtime and friends)."""

    def __init__(self, error: StatesError):
        super().__init__(str(error))
        self.error = error


class Frame:
    """One thread of control: the top level, a branch or an iteration."""

    __slots__ = ("last", "variables", "map_item", "log", "path", "visits")

    def __init__(self, last: int, log: EventLog, variables: dict | None = None, map_item: dict | None = None,
                 path: str = ""):
        self.last = last
        self.log = log  # a distributed Map's iterations are child executions with their own history
        self.variables = variables if variables is not None else {}
        self.map_item = map_item
        self.path = path  # where this thread sits: "" at the top, "/Map[3]", "/Par#1/Inner[0]"...
        self.visits: dict[str, int] = {}

    def visit(self, state_name: str) -> int:
        """Count entries into ``state_name`` on this thread (a loop enters a state again)."""
        n = self.visits.get(state_name, 0) + 1
        self.visits[state_name] = n
        return n


class Scope:
    """What ``$$`` and ``$name`` see while one state runs; the context object is built on demand."""

    __slots__ = ("execution", "state_name", "entered", "retry_count", "frame", "_context", "extra", "visit")

    def __init__(self, execution: "Execution", state_name: str, entered: float, frame: Frame):
        self.execution = execution
        self.state_name = state_name
        self.entered = entered
        self.retry_count = 0
        self.frame = frame
        self._context = None
        self.extra: dict | None = None
        self.visit = 1

    @property
    def variables(self) -> dict:
        return self.frame.variables

    @property
    def context(self) -> dict:
        if self._context is None:
            ctx = self.execution.base_context()
            ctx["State"] = {"Name": self.state_name, "EnteredTime": iso_time(self.entered)}
            if self.retry_count:
                ctx["State"]["RetryCount"] = self.retry_count
            if self.frame.map_item is not None:
                ctx["Map"] = {"Item": self.frame.map_item}
            if self.extra:
                ctx.update(self.extra)
            self._context = ctx
        return self._context


_PREFIX = "An error occurred while executing the state"


def _runtime_error(state: State, entered_id: int, message: str) -> StatesError:
    return StatesError(STATES_RUNTIME, f"{_PREFIX} '{state.name}' (entered at the event id #{entered_id}). {message}")


def _jayway(path_text: str) -> str:
    parts = path_text.lstrip("$").strip(".").split(".")
    return "$" + "".join(f"['{p}']" for p in parts if p)


class Execution:
    """One run of a state machine. ``await run()`` returns its :class:`Outcome`."""

    def __init__(self, machine: StateMachine, info: ExecutionInfo, hooks: Hooks):
        self.machine = machine
        self.info = info
        self.hooks = hooks
        self.log = EventLog(hooks.on_event, hooks.now)
        self._base_context = None

    # -- the context object ----------------------------------------------------

    def base_context(self) -> dict:
        if self._base_context is None:
            i = self.info
            self._base_context = {
                "Execution": {"Id": i.execution_arn, "Input": i.input, "StartTime": iso_time(i.start_time),
                              "Name": i.name, "RoleArn": i.role_arn, "RedriveCount": 0},
                "StateMachine": {"Id": i.state_machine_arn, "Name": i.state_machine_name},
            }
        ctx = dict(self._base_context)
        return ctx

    # -- the whole execution -----------------------------------------------------

    async def run(self) -> Outcome:
        text = dumps(self.info.input)
        self.log.add("ExecutionStarted", 0, {"input": text, "inputDetails": _TRUNC, "roleArn": self.info.role_arn})
        frame = Frame(0, self.log)
        try:
            if self.machine.timeout_seconds:
                output = await asyncio.wait_for(self.run_machine(self.machine, self.info.input, frame),
                                                self.machine.timeout_seconds)
            else:
                output = await self.run_machine(self.machine, self.info.input, frame)
        except asyncio.TimeoutError:
            self.log.add("ExecutionTimedOut", frame.last, {"error": STATES_TIMEOUT,
                                                           "cause": "The execution timed out."})
            return Outcome("TIMED_OUT", error=STATES_TIMEOUT, cause="The execution timed out.")
        except asyncio.CancelledError:
            raise
        except _Fatal as fatal:
            return self._failed(frame, fatal.error)
        except StatesError as exc:
            return self._failed(frame, exc)
        out_text = dumps(output)
        self.log.add("ExecutionSucceeded", frame.last, {"output": out_text, "outputDetails": _TRUNC})
        return Outcome("SUCCEEDED", output=output)

    def _failed(self, frame: Frame, exc: StatesError) -> Outcome:
        details = {}
        if exc.error is not None:
            details["error"] = exc.error
        if exc.cause is not None:
            details["cause"] = exc.cause
        self.log.add("ExecutionFailed", frame.last, details)
        return Outcome("FAILED", error=exc.error, cause=exc.cause)

    def aborted(self, error: str | None, cause: str | None, last: int = 0) -> Outcome:
        """Record an abort (StopExecution); the caller has cancelled :meth:`run`."""
        details = {k: v for k, v in (("error", error), ("cause", cause)) if v is not None}
        self.log.add("ExecutionAborted", last or (self.log.next_id - 1), details)
        return Outcome("ABORTED", error=error, cause=cause)

    async def run_machine(self, machine: StateMachine, value: Any, frame: Frame) -> Any:
        """Run from StartAt to a terminal state; returns the output or raises StatesError."""
        name = machine.start_at
        states = machine.states
        while True:
            state = states[name]
            name, value = await self.run_state(state, value, frame)
            if name is None:
                return value

    # -- one state ---------------------------------------------------------------

    async def run_state(self, state: State, raw_input: Any, frame: Frame) -> tuple[str | None, Any]:
        """Run ``state`` on ``raw_input``; returns (next state name or None at the end, output)."""
        log = frame.log
        stype = state.type
        before_entered = frame.last
        entered_at = self.hooks.now()
        entered_id = log.add(f"{stype}StateEntered", frame.last,
                             {"input": dumps(raw_input), "inputDetails": _TRUNC, "name": state.name})
        frame.last = entered_id
        scope = Scope(self, state.name, entered_at, frame)
        scope.visit = frame.visit(state.name)
        try:
            try:
                if stype == "Choice":
                    return self._choice(state, raw_input, scope, entered_id)
                if stype == "Fail":
                    raise self._fail_error(state, raw_input, scope, entered_id)
                output = await self._with_retry(state, raw_input, scope, entered_id)
            except StatesError as exc:
                if exc.evaluation:
                    exc = self._evaluation_failed(state, entered_id, exc, frame, before_entered)
                if exc.error in _FATAL:
                    if exc.error == STATES_RUNTIME and not (exc.cause or "").startswith(_PREFIX):
                        exc = StatesError(exc.error, _runtime_error(state, entered_id, exc.cause or "").cause)
                    raise _Fatal(exc) from None
                raise exc
        except StatesError as exc:
            if stype in ("Map", "Parallel"):
                frame.last = log.add(f"{stype}StateFailed", frame.last, None)
            if stype == "Fail" or not state.catch:
                raise
            for catcher in state.catch:
                if error_matches(catcher.error_equals, exc.error):
                    return self._caught(state, catcher, raw_input, exc, frame)
            raise
        text = dumps(output)
        if len(text) > MAX_PAYLOAD_BYTES:
            raise _Fatal(StatesError(STATES_DATA_LIMIT_EXCEEDED, f"The state/task '{state.name}' returned a result "
                                     "with a size exceeding the maximum number of bytes service limit."))
        frame.last = log.add(f"{stype}StateExited", frame.last,
                             {"name": state.name, "output": text, "outputDetails": _TRUNC})
        if state.end or stype == "Succeed":
            return None, output
        return state.next, output

    def _evaluation_failed(self, state: State, entered_id: int, exc: StatesError, frame: Frame,
                           before_entered: int) -> StatesError:
        """Prefix the cause as AWS does and record an EvaluationFailed event.

        AWS links a failure of Assign or Output (evaluated as the state ends) to the event
        before the state was entered, and any other to the state's own last event.
        """
        cause = exc.cause or ""
        if not cause.startswith(_PREFIX):
            cause = f"{_PREFIX} '{state.name}' (entered at the event id #{entered_id}). {cause}"
        details = {"cause": cause, "error": exc.error, "state": state.name}
        if exc.location:
            details["location"] = exc.location
        at_end = (exc.location or "").startswith(("Assign", "Output"))
        frame.last = frame.log.add("EvaluationFailed", before_entered if at_end else frame.last, details)
        return StatesError(exc.error, cause)

    def _caught(self, state, catcher, raw_input, exc: StatesError, frame: Frame):
        error_output = {"Error": exc.error, "Cause": exc.cause} if exc.cause is not None else {"Error": exc.error}
        if exc.error is None:
            error_output = {}
        if state.query_language == _JSONATA:
            scope = Scope(self, state.name, self.hooks.now(), frame)
            states = {"input": raw_input, "errorOutput": error_output}
            assigned = catcher.assign(states, scope) if catcher.assign is not None else None
            output = catcher.output(states, scope) if catcher.output is not None else error_output
            if assigned:
                _assign_variables(frame, assigned)
            frame.last = frame.log.add(f"{state.type}StateExited", frame.last,
                                       {"name": state.name, "output": dumps(output), "outputDetails": _TRUNC})
            return catcher.next, output
        if catcher.assign is not None:
            _assign_variables(frame, catcher.assign(error_output, Scope(self, state.name, self.hooks.now(), frame)))
        if catcher.result_path is None:
            output = raw_input
        else:
            try:
                output = set_reference_path(raw_input, catcher.result_path, error_output)
            except PathNotFound:
                raise _Fatal(StatesError("States.ResultPathMatchFailure",
                                         f"Unable to apply ReferencePath {catcher.raw_result_path} to input "
                                         f"'{dumps(raw_input)}'")) from None
        frame.last = frame.log.add(f"{state.type}StateExited", frame.last,
                                   {"name": state.name, "output": dumps(output), "outputDetails": _TRUNC})
        return catcher.next, output

    async def _with_retry(self, state: State, raw_input: Any, scope: Scope, entered_id: int) -> Any:
        attempts: dict[int, int] = {}
        while True:
            try:
                return await self._execute(state, raw_input, scope, entered_id)
            except StatesError as exc:
                if exc.error in _FATAL or not state.retry:
                    raise
                for index, retrier in enumerate(state.retry):
                    if error_matches(retrier.error_equals, exc.error):
                        done = attempts.get(index, 0)
                        if done >= retrier.max_attempts:
                            raise
                        attempts[index] = done + 1
                        scope.retry_count += 1
                        scope._context = None
                        await self.hooks.sleep(retrier.delay(done, self.hooks.rng))
                        break
                else:
                    raise

    async def _execute(self, state: State, raw_input: Any, scope: Scope, entered_id: int) -> Any:
        """InputPath, the type's step, ResultSelector, ResultPath, OutputPath."""
        if state.query_language == _JSONATA:
            return await self._execute_jsonata(state, raw_input, scope, entered_id)
        effective = self._input_path(state, raw_input, scope, entered_id)
        stype = state.type
        if stype == "Pass":
            result = self._pass(state, effective, scope)
        elif stype == "Task":
            result = await self._task(state, effective, scope)
        elif stype == "Wait":
            result = await self._wait(state, effective, scope, entered_id)
        elif stype == "Succeed":
            result = effective
        elif stype == "Parallel":
            result = await self._parallel(state, effective, scope)
        elif stype == "Map":
            result = await self._map(state, effective, scope, entered_id)
        else:  # pragma: no cover - the parser admits no other type
            raise StatesError(STATES_RUNTIME, f"Unknown state type {stype}")
        if state.result_selector is not None:
            result = state.result_selector(result, scope)
        if state.assign is not None:
            _assign_variables(scope.frame, state.assign(result, scope))
        if stype in ("Wait", "Succeed"):
            output = result
        elif state.result_path is None:
            output = raw_input
        elif not state.result_path.keys:
            output = result
        else:
            try:
                output = set_reference_path(raw_input, state.result_path, result)
            except PathNotFound:
                raise StatesError("States.ResultPathMatchFailure",
                                  f"Unable to apply ReferencePath {state.result_path.text} to input "
                                  f"'{dumps(raw_input)}'") from None
        return self._output_path(state, output, scope, entered_id)

    async def _execute_jsonata(self, state: State, raw_input: Any, scope: Scope, entered_id: int) -> Any:
        """The JSONata lifecycle: Arguments, the type's step, then Assign and Output (both see the
        variables as they were when the state was entered)."""
        stype = state.type
        states = {"input": raw_input}
        if stype == "Pass" or stype == "Succeed":
            result = raw_input
        elif stype == "Task":
            states["result"] = result = await self._task(state, raw_input, scope)
        elif stype == "Wait":
            result = await self._wait(state, raw_input, scope, entered_id)
        elif stype == "Parallel":
            states["result"] = result = await self._parallel(state, raw_input, scope)
        else:
            states["result"] = result = await self._map(state, raw_input, scope, entered_id)
        assigned = state.assign(states, scope) if state.assign is not None else None
        output = state.output(states, scope) if state.output is not None else result
        if assigned:
            _assign_variables(scope.frame, assigned)
        return output

    def _input_path(self, state: State, value: Any, scope: Scope, entered_id: int) -> Any:
        path = state.input_path
        if path is None:
            return {}
        if not path.keys and not path.is_context and path.definite and path.variable is None:
            return value
        try:
            return path.resolve(value, scope)
        except PathNotFound:
            raise _runtime_error(state, entered_id, f"Invalid path '{path.text}' : No results for path: "
                                                    f"{_jayway(path.text)}") from None

    def _output_path(self, state: State, value: Any, scope: Scope, entered_id: int) -> Any:
        path = state.output_path
        if path is None:
            return {}
        if not path.keys and not path.is_context and path.definite and path.variable is None:
            return value
        try:
            return path.resolve(value, scope)
        except PathNotFound:
            raise _runtime_error(state, entered_id, f"Invalid path '{path.text}' : No results for path: "
                                                    f"{_jayway(path.text)}") from None

    def _parameters(self, state: State, effective: Any, scope: Scope) -> Any:
        if state.parameters is None:
            return effective
        if state.query_language == _JSONATA:
            return state.parameters({"input": effective}, scope)
        return state.parameters(effective, scope)

    # -- the types' own steps ------------------------------------------------------

    def _pass(self, state: PassState, effective: Any, scope: Scope) -> Any:
        if state.has_result:
            return state.result
        return self._parameters(state, effective, scope)

    def _choice_jsonata(self, state: ChoiceState, raw_input: Any, scope: Scope):
        states = {"input": raw_input}
        chosen, target = None, None
        for branch in state.choices:
            matched = branch.predicate(states, scope)
            if not isinstance(matched, bool):
                raise StatesError("States.QueryEvaluationError", "The JSONata expression specified for the field "
                                  f"'Condition' returned an unexpected result type. Expected 'boolean', but was "
                                  f"'{_json_type(matched)}' for value: {dumps(matched)}", location="Condition",
                                  evaluation=True)
            if matched:
                chosen, target = branch, branch.next
                break
        if target is None:
            if state.default is None:
                raise StatesError(STATES_NO_CHOICE_MATCHED, "No Matches!")
            target = state.default
        assign = chosen.assign if chosen is not None else state.assign
        output_fn = chosen.output if chosen is not None else state.output
        assigned = assign(states, scope) if assign is not None else None
        output = output_fn(states, scope) if output_fn is not None else raw_input
        if assigned:
            _assign_variables(scope.frame, assigned)
        self.scope_exit(state, output, scope.frame)
        return target, output

    def _choice(self, state: ChoiceState, raw_input: Any, scope: Scope, entered_id: int):
        if state.query_language == _JSONATA:
            return self._choice_jsonata(state, raw_input, scope)
        effective = self._input_path(state, raw_input, scope, entered_id)
        target = None
        assign = state.assign
        for branch in state.choices:
            if branch.predicate(effective, scope):
                target = branch.next
                assign = branch.assign
                break
        if target is None:
            if state.default is None:
                raise StatesError(STATES_NO_CHOICE_MATCHED, "No Matches!")
            target = state.default
        if assign is not None:
            _assign_variables(scope.frame, assign(effective, scope))
        output = self._output_path(state, effective, scope, entered_id)
        self.scope_exit(state, output, scope.frame)
        return target, output

    def scope_exit(self, state: State, output: Any, frame: Frame) -> None:
        frame.last = frame.log.add(f"{state.type}StateExited", frame.last,
                                  {"name": state.name, "output": dumps(output), "outputDetails": _TRUNC})

    def _fail_error(self, state: FailState, raw_input: Any, scope: Scope, entered_id: int) -> StatesError:
        error, cause = state.error, state.cause
        if state.query_language == _JSONATA:
            states = {"input": raw_input}
            error = error(states, scope) if error is not None else None
            cause = cause(states, scope) if cause is not None else None
            return StatesError(error if isinstance(error, str) or error is None else dumps(error),
                               cause if isinstance(cause, str) or cause is None else dumps(cause))
        if state.error_path is not None:
            error = state.error_path(raw_input, scope)
            if not isinstance(error, str):
                error = dumps(error)
        if state.cause_path is not None:
            cause = state.cause_path(raw_input, scope)
            if not isinstance(cause, str):
                cause = dumps(cause)
        return StatesError(error, cause)

    async def _wait(self, state: WaitState, effective: Any, scope: Scope, entered_id: int) -> Any:
        seconds = state.seconds
        timestamp = state.timestamp
        if state.query_language == _JSONATA:
            states = {"input": effective}
            if callable(seconds):
                seconds = seconds(states, scope)
                if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
                    raise StatesError("States.QueryEvaluationError", "The Seconds field must be a non-negative "
                                      f"integer, but was: {dumps(seconds)}", location="Seconds", evaluation=True)
            if callable(timestamp):
                timestamp = timestamp(states, scope)
                if parse_timestamp(timestamp) is None:
                    shown = timestamp if isinstance(timestamp, str) else dumps(timestamp)
                    raise StatesError("States.QueryEvaluationError", "The Timestamp field cannot be parsed as an "
                                      f"ISO-8601 extended offset date-time format string: {shown}",
                                      location="Timestamp", evaluation=True)
        if state.seconds_path is not None:
            try:
                value = state.seconds_path.resolve(effective, scope)
            except PathNotFound:
                raise _runtime_error(state, entered_id, f"The SecondsPath parameter does not reference an input "
                                                        f"value: {state.seconds_path.text}") from None
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    isinstance(value, float) and not value.is_integer()):
                raise _runtime_error(state, entered_id, "The SecondsPath parameter cannot be parsed as a long "
                                                        f"value: {state.seconds_path.text} == {dumps(value)}")
            if value < 0:
                raise _runtime_error(state, entered_id, "The SecondsPath parameter references a negative value: "
                                                        f"{state.seconds_path.text} == {dumps(value)}")
            seconds = value
        if state.timestamp_path is not None:
            try:
                value = state.timestamp_path.resolve(effective, scope)
            except PathNotFound:
                raise _runtime_error(state, entered_id, "The TimestampPath parameter does not reference an input "
                                                        f"value: {state.timestamp_path.text}") from None
            if parse_timestamp(value) is None:
                shown = value if isinstance(value, str) else dumps(value)
                raise _runtime_error(state, entered_id, "The TimestampPath parameter does not reference a valid "
                                                        "ISO-8601 extended offset date-time format string: "
                                                        f"{state.timestamp_path.text} == {shown}")
            timestamp = value
        if timestamp is not None:
            seconds = parse_timestamp(timestamp).timestamp() - self.hooks.now()
        if seconds and seconds > 0:
            await self.hooks.sleep(seconds)
        return effective

    async def _task(self, state: TaskState, effective: Any, scope: Scope) -> Any:
        parameters = self._parameters(state, effective, scope)
        log, frame = scope.frame.log, scope.frame
        resource = state.resource
        function = lambda_function_name(resource)
        timeout = state.timeout_seconds
        if callable(timeout):
            timeout = self._jsonata_number(timeout, effective, scope, "TimeoutSeconds")
        elif timeout is not None and not isinstance(timeout, (int, float)):
            timeout = self._number_from_path(state, timeout, effective, scope, "TimeoutSecondsPath")
        heartbeat = state.heartbeat_seconds
        if callable(heartbeat):
            heartbeat = self._jsonata_number(heartbeat, effective, scope, "HeartbeatSeconds")
        elif heartbeat is not None and not isinstance(heartbeat, (int, float)):
            heartbeat = self._number_from_path(state, heartbeat, effective, scope, "HeartbeatSecondsPath")
        if function is not None:
            details = {"resource": resource, "input": dumps(parameters), "inputDetails": _TRUNC}
            if timeout:
                details["timeoutInSeconds"] = timeout
            frame.last = log.add("LambdaFunctionScheduled", frame.last, details)
            frame.last = log.add("LambdaFunctionStarted", frame.last, None)
            prefix = "LambdaFunction"
            base: dict = {}
        else:
            rtype, rname = split_resource(resource)
            base = {"resourceType": rtype, "resource": rname}
            details = {**base, "region": self.region, "parameters": dumps(parameters)}
            if timeout:
                details["timeoutInSeconds"] = timeout
            if heartbeat:
                details["heartbeatInSeconds"] = heartbeat
            frame.last = log.add("TaskScheduled", frame.last, details)
            frame.last = log.add("TaskStarted", frame.last, dict(base))
            prefix = "Task"
        info = {"execution_arn": self.info.execution_arn, "state_name": state.name,
                # Stable across re-runs of the same execution: a runtime can replay finished work by it.
                "key": f"{frame.path}/{state.name}@{scope.visit}:{scope.retry_count}",
                "attempt": scope.retry_count, "timeout_seconds": timeout, "heartbeat_seconds": heartbeat,
                "context": scope.context if resource.endswith(".waitForTaskToken") else None}
        try:
            call = self.hooks.invoke(resource, parameters, info)
            result = await (asyncio.wait_for(call, timeout) if timeout else call)
        except asyncio.TimeoutError:
            details = {**base, "error": STATES_TIMEOUT}
            frame.last = log.add(f"{prefix}TimedOut", frame.last, details)
            raise StatesError(STATES_TIMEOUT, None) from None
        except StatesError as exc:
            details = dict(base)
            if exc.error is not None:
                details["error"] = exc.error
            if exc.cause is not None:
                details["cause"] = exc.cause
            frame.last = log.add(f"{prefix}Failed", frame.last, details)
            raise
        frame.last = log.add(f"{prefix}Succeeded", frame.last,
                             {**base, "output": dumps(result), "outputDetails": _TRUNC})
        return result

    @staticmethod
    def _jsonata_number(evaluator, raw_input, scope, field_name, integer=True):
        value = evaluator({"input": raw_input}, scope)
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                pass
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and integer and isinstance(value, float) and not value.is_integer():
            ok = False
        if not ok:
            raise StatesError("States.QueryEvaluationError", f"The JSONata expression specified for the field "
                              f"'{field_name}' returned an unexpected result type. Expected "
                              f"'{'integer' if integer else 'number'}', but was '{_json_type(value)}' for value: "
                              f"{dumps(value)}", location=field_name, evaluation=True)
        return int(value) if integer else value

    @property
    def region(self) -> str:
        parts = self.info.execution_arn.split(":")
        return parts[3] if len(parts) > 3 else "us-east-1"

    def _number_from_path(self, state, path, effective, scope, field_name):
        try:
            value = path.resolve(effective, scope)
        except PathNotFound:
            raise StatesError(STATES_RUNTIME, f"The {field_name} parameter does not reference an input value: "
                                              f"{path.text}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise StatesError(STATES_RUNTIME, f"The {field_name} parameter must be a positive integer: "
                                              f"{path.text} == {dumps(value)}")
        return int(value)

    # -- Parallel and Map ---------------------------------------------------------------

    async def _parallel(self, state: ParallelState, effective: Any, scope: Scope) -> Any:
        value = self._parameters(state, effective, scope)
        log, frame = scope.frame.log, scope.frame
        frame.last = log.add("ParallelStateStarted", frame.last, None)
        base = f"{frame.path}/{state.name}@{scope.visit}:{scope.retry_count}"
        frames = [Frame(frame.last, log, dict(frame.variables), frame.map_item, f"{base}#{i}")
                  for i in range(len(state.branches))]
        tasks = [asyncio.ensure_future(self.run_machine(branch, value, f))
                 for branch, f in zip(state.branches, frames)]
        try:
            results = await _gather_fail_fast(tasks)
        except StatesError:
            frame.last = max(f.last for f in frames)
            raise
        frame.last = max(f.last for f in frames)
        log.add("ParallelStateSucceeded", frame.last, None)
        return results

    async def _map(self, state: MapState, effective: Any, scope: Scope, entered_id: int) -> Any:
        log, frame = scope.frame.log, scope.frame
        items = self._map_items(state, effective, scope, entered_id)
        max_concurrency = state.max_concurrency
        if callable(max_concurrency):
            max_concurrency = self._jsonata_number(max_concurrency, effective, scope, "MaxConcurrency")
        if state.max_concurrency_path is not None:
            max_concurrency = self._map_number(state, state.max_concurrency_path, effective, scope, entered_id,
                                               "MaxConcurrencyPath", integer=True)
        frame.last = log.add("MapStateStarted", frame.last, {"length": len(items)})
        tolerated_count, tolerated_pct = self._map_tolerance(state, effective, scope, entered_id)
        distributed = state.mode == "DISTRIBUTED"
        if distributed:
            run_arn = (f"{self.info.execution_arn.replace(':execution:', ':mapRun:')}/"
                       f"{state.label or state.name}:{self.hooks.rng.getrandbits(64):016x}")
            frame.last = log.add("MapRunStarted", frame.last, {"mapRunArn": run_arn})
        results: list[Any] = [None] * len(items)
        failures: list[StatesError] = []
        semaphore = asyncio.Semaphore(max_concurrency) if max_concurrency else None
        abort = asyncio.Event()

        async def iteration(index: int, item: Any) -> None:
            if semaphore is not None:
                await semaphore.acquire()
            try:
                if abort.is_set():
                    return
                item_log = EventLog(None, self.hooks.now) if distributed else log
                # A distributed Map's iterations are child executions: they see no outer variables.
                item_frame = Frame(0 if distributed else frame.last, item_log,
                                   {} if distributed else dict(frame.variables),
                                   {"Index": index, "Value": item},
                                   f"{frame.path}/{state.name}@{scope.visit}:{scope.retry_count}[{index}]")
                if state.item_selector is not None:
                    item_scope = Scope(self, state.name, scope.entered, item_frame)
                    if state.query_language == _JSONATA:
                        value = state.item_selector({"input": effective}, item_scope)
                    else:
                        value = state.item_selector(effective, item_scope)
                else:
                    value = item
                if not distributed:
                    item_frame.last = log.add("MapIterationStarted", item_frame.last,
                                              {"index": index, "name": state.name})
                try:
                    results[index] = await self.run_machine(state.processor, value, item_frame)
                except StatesError as exc:
                    failures.append(exc)
                    if not distributed:
                        log.add("MapIterationFailed", item_frame.last, {"index": index, "name": state.name})
                    if not distributed:
                        frame.last = item_frame.last
                    if not self._tolerated(len(failures), len(items), tolerated_count, tolerated_pct):
                        abort.set()
                        raise
                    return
                if not distributed:
                    log.add("MapIterationSucceeded", item_frame.last, {"index": index, "name": state.name})
                    frame.last = item_frame.last
            finally:
                if semaphore is not None:
                    semaphore.release()

        tasks = [asyncio.ensure_future(iteration(i, item)) for i, item in enumerate(items)]
        try:
            await _gather_fail_fast(tasks)
        except StatesError as exc:
            error = exc
            if tolerated_count is not None or tolerated_pct is not None:
                error = StatesError(STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD,
                                    "The specified tolerated failure threshold was exceeded")
            if distributed:
                details = {k: v for k, v in (("error", error.error), ("cause", error.cause)) if v is not None}
                frame.last = log.add("MapRunFailed", frame.last, details)
            raise error from None
        if distributed:
            frame.last = log.add("MapRunSucceeded", frame.last, None)
        log.add("MapStateSucceeded", frame.last, None)
        return results

    def _map_items(self, state: MapState, effective: Any, scope: Scope, entered_id: int) -> list:
        if state.query_language == _JSONATA:
            if state.items is None:
                items = effective
            else:
                items = state.items({"input": effective}, scope)
            if not isinstance(items, list):
                source = getattr(state.items, "source", None)
                if state.items is None:
                    message = f"Map state input must be an array but was: {dumps(items)}"
                elif source is None:
                    message = f"The field 'Items' must be an array but was: {dumps(items)}"
                else:
                    message = (f"The JSONata expression '{source}' specified for the field 'Items' returned an "
                               f"unexpected result type. Expected 'array', but was '{_json_type(items)}' for "
                               f"value: {dumps(items)}")
                raise StatesError("States.QueryEvaluationError", message, location="Items", evaluation=True)
            return items
        path = state.items_path
        try:
            items = path.resolve(effective, scope) if path.keys or path.is_context or path.variable else effective
        except PathNotFound:
            raise _runtime_error(state, entered_id, f"Invalid path '{path.text}' : No results for path: "
                                                    f"{_jayway(path.text)}") from None
        if not isinstance(items, list):
            raise _runtime_error(state, entered_id, f"Invalid path '{path.text}' : The ItemsPath field "
                                                    f"references a value that is not a JSON array: {dumps(items)}")
        return items

    def _map_tolerance(self, state, effective, scope, entered_id):
        count, pct = state.tolerated_failure_count, state.tolerated_failure_percentage
        if callable(count):
            count = self._jsonata_number(count, effective, scope, "ToleratedFailureCount")
        if callable(pct):
            pct = self._jsonata_number(pct, effective, scope, "ToleratedFailurePercentage", integer=False)
        if state.tolerated_failure_count_path is not None:
            count = self._map_number(state, state.tolerated_failure_count_path, effective, scope, entered_id,
                                     "ToleratedFailureCountPath", integer=True)
            if count < 0:
                raise _runtime_error(state, entered_id, "ToleratedFailureCount cannot be negative.")
        if state.tolerated_failure_percentage_path is not None:
            pct = self._map_number(state, state.tolerated_failure_percentage_path, effective, scope, entered_id,
                                   "ToleratedFailurePercentagePath", integer=False)
            if not 0 <= pct <= 100:
                raise _runtime_error(state, entered_id, "ToleratedFailurePercentage must be between 0 and 100.")
        return count, pct

    def _map_number(self, state, path, effective, scope, entered_id, field_name, integer):
        try:
            value = path.resolve(effective, scope)
        except PathNotFound:
            raise _runtime_error(state, entered_id, f"The {field_name} field refers to value that does not "
                                                    f"exist in the input: {path.text}") from None
        if isinstance(value, str):
            try:
                value = int(value) if integer else float(value)
            except ValueError:
                pass
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and integer and isinstance(value, float) and not value.is_integer():
            ok = False
        if not ok:
            shown = value if isinstance(value, str) else dumps(value)
            kind = "integer" if integer else "float"
            raise _runtime_error(state, entered_id, f"The {field_name} field refers to value \"{shown}\" which is "
                                                    f"not a valid {kind}: {path.text}")
        return int(value) if integer else value

    @staticmethod
    def _tolerated(failed: int, total: int, count, pct) -> bool:
        if count is None and pct is None:
            return False
        if count is not None and failed <= count:
            return True
        if pct is not None and total and failed * 100.0 / total <= pct:
            return True
        return False


MAX_VARIABLE_BYTES = 256 * 1024
MAX_ASSIGN_BYTES = 256 * 1024
MAX_ALL_VARIABLES_BYTES = 10 * 1024 * 1024


def _assign_variables(frame: Frame, values: dict) -> None:
    """Apply one state's Assign, within AWS's size limits (256 KiB a value and an
    Assign, 10 MiB all variables of a scope); the scope is the frame's own."""
    if not values:
        return
    total = 0
    for name, value in values.items():
        size = len(dumps(value).encode())
        if size > MAX_VARIABLE_BYTES:
            raise StatesError(STATES_RUNTIME, f"The variable '{name}' is {size} bytes, over the limit of "
                                              f"{MAX_VARIABLE_BYTES} bytes for one variable")
        total += size
    if total > MAX_ASSIGN_BYTES:
        raise StatesError(STATES_RUNTIME, f"The Assign field's values total {total} bytes, over the limit of "
                                          f"{MAX_ASSIGN_BYTES} bytes")
    frame.variables.update(values)
    if total > 4096:  # only large assignments can push the whole scope over its limit
        everything = len(dumps(frame.variables).encode())
        if everything > MAX_ALL_VARIABLES_BYTES:
            raise StatesError(STATES_RUNTIME, f"The variables of this scope total {everything} bytes, over the "
                                              f"limit of {MAX_ALL_VARIABLES_BYTES} bytes")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


async def _gather_fail_fast(tasks: list[asyncio.Future]) -> list:
    """Await every task; on the first StatesError cancel the rest and raise it."""
    if not tasks:
        return []
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except asyncio.CancelledError:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    failed = [t for t in tasks if t.done() and not t.cancelled() and t.exception() is not None]
    if failed:
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        raise failed[0].exception()
    return [t.result() for t in tasks]

