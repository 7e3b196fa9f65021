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
from typing import Any

from .concurrency import ConcurrencyMixin
from .distributed import DistributedMixin
from .errors import STATES_DATA_LIMIT_EXCEEDED, STATES_RUNTIME, STATES_TIMEOUT, StatesError
from .history import MAX_PAYLOAD_BYTES, EventLog, dumps
from .paths import PathNotFound, set_reference_path
from .retry import error_matches
from .scope import (
    FATAL,
    JSONATA,
    PREFIX,
    TRUNC,
    ExecutionInfo,
    Fatal,
    Frame,
    Hooks,
    Outcome,
    Scope,
    assign_variables,
    enter_state_random,
    iso_time,
    jayway,
    leave_state_random,
    record_checkpoint,
    runtime_error,
    state_random,
)
from .states import State, StateMachine
from .steps import StepsMixin

__all__ = ["Hooks", "ExecutionInfo", "Execution", "Outcome", "iso_time"]


class Execution(StepsMixin, ConcurrencyMixin, DistributedMixin):
    """One run of a state machine. ``await run()`` returns its :class:`Outcome`."""

    def __init__(self, machine: StateMachine, info: ExecutionInfo, hooks: Hooks):
        self.machine = machine
        self.info = info
        self.hooks = hooks
        self.log = EventLog(hooks.on_event, hooks.now, start_id=info.resume_after + 1)
        self._base_context = None
        self.map_runs: dict[str, Any] = {}  # the Distributed Map runs now running, by Map Run ARN

    # -- the context object ----------------------------------------------------

    def base_context(self) -> dict:
        if self._base_context is None:
            i = self.info
            self._base_context = {
                "Execution": {"Id": i.execution_arn, "Input": i.input, "StartTime": iso_time(i.start_time),
                              "Name": i.name, "RoleArn": i.role_arn, "RedriveCount": i.redrive_count},
                "StateMachine": {"Id": i.state_machine_arn, "Name": i.state_machine_name},
            }
        ctx = dict(self._base_context)
        return ctx

    # -- the whole execution -----------------------------------------------------

    async def run(self) -> Outcome:
        if not self.info.resume_after:
            self.log.add("ExecutionStarted", 0, {"input": dumps(self.info.input), "inputDetails": TRUNC,
                                                 "roleArn": self.info.role_arn})
        frame = Frame(self.info.resume_after, self.log, dict(self.info.variables or {}))
        start_at = self.info.start_at
        try:
            if self.machine.timeout_seconds:
                output = await asyncio.wait_for(self.run_machine(self.machine, self.info.input, frame, start_at),
                                                self.hooks.timeout_seconds(self.machine.timeout_seconds))
            else:
                output = await self.run_machine(self.machine, self.info.input, frame, start_at)
        except asyncio.TimeoutError:
            self.log.add("ExecutionTimedOut", frame.last, {"error": STATES_TIMEOUT,
                                                           "cause": "The execution timed out."})
            return Outcome("TIMED_OUT", error=STATES_TIMEOUT, cause="The execution timed out.")
        except asyncio.CancelledError:
            raise
        except Fatal as fatal:
            return self._failed(frame, fatal.error)
        except StatesError as exc:
            return self._failed(frame, exc)
        out_text = dumps(output)
        self.log.add("ExecutionSucceeded", frame.last, {"output": out_text, "outputDetails": TRUNC})
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

    async def run_machine(self, machine: StateMachine, value: Any, frame: Frame, start_at: str | None = None) -> Any:
        """Run from StartAt (or from ``start_at``, one of ``machine``'s own states) to a terminal state;
        returns the output or raises StatesError."""
        states = machine.states
        name = start_at or machine.start_at
        if start_at is not None and start_at not in states:
            raise Fatal(StatesError(STATES_RUNTIME, f"The state '{name}' to start at is not a top-level state "
                                                    "of the state machine."))
        steps = 0
        while True:
            if self.log.next_id >= self.hooks.max_events:  # keep room for the terminal event
                raise Fatal(StatesError(STATES_RUNTIME, f"The execution reached the maximum number of history "
                                                        f"events ({self.hooks.max_events})."))
            state = states[name]
            name, value = await self.run_state(state, value, frame)
            if name is None:
                return value
            steps += 1
            if steps % 64 == 0:
                # A long run of states that never wait must still let other executions, timeouts
                # and StopExecution in: hand the loop back now and then.
                frame.dumped = None
                await asyncio.sleep(0)

    # -- one state ---------------------------------------------------------------

    async def run_state(self, state: State, raw_input: Any, frame: Frame) -> tuple[str | None, Any]:
        """Run ``state`` on ``raw_input``; returns (next state name or None at the end, output)."""
        log = frame.log
        stype = state.type
        visit = frame.visit(state.name)
        position = f"{frame.position}/{state.name}@{visit}"
        if self.hooks.completed is not None:
            done = self.hooks.completed(position)
            if done is not None:  # a redriven run: an earlier run completed this state
                frame.variables.clear()
                frame.variables.update(done.get("variables") or {})
                return done.get("next"), done.get("output")
        if state.plain:
            return self._run_plain(state, raw_input, frame, position)
        before_entered = frame.last
        entered_at = self.hooks.now()
        dumped = frame.dumped
        frame.dumped = None
        input_text = dumped[1] if dumped is not None and dumped[0] is raw_input else dumps(raw_input)
        entered_id = log.add(f"{stype}StateEntered", frame.last,
                             {"input": input_text, "inputDetails": TRUNC, "name": state.name})
        frame.last = entered_id
        scope = Scope(self, state.name, entered_at, frame)
        scope.visit = visit
        scope.counts_retries = stype in ("Task", "Parallel", "Map")
        random_token = enter_state_random(self.info.execution_arn, f"{frame.path}/{state.name}@{scope.visit}")
        try:
            try:
                if stype == "Choice":
                    return self._completed(position, frame, *self._choice(state, raw_input, scope, entered_id))
                if stype == "Fail":
                    raise self._fail_error(state, raw_input, scope, entered_id)
                output = await self._with_retry(state, raw_input, scope, entered_id)
            except StatesError as exc:
                if exc.evaluation:
                    exc = self._evaluation_failed(state, entered_id, exc, frame, before_entered)
                if exc.error in FATAL:
                    if exc.error == STATES_RUNTIME and not (exc.cause or "").startswith(PREFIX):
                        exc = StatesError(exc.error, runtime_error(state, entered_id, exc.cause or "").cause)
                    raise Fatal(exc) from None
                raise exc
        except StatesError as exc:
            if stype in ("Map", "Parallel"):
                frame.last = log.add(f"{stype}StateFailed", frame.last, None)
            if stype == "Fail" or not state.catch:
                raise
            for catcher in state.catch:
                if error_matches(catcher.error_equals, exc.error):
                    return self._completed(position, frame, *self._caught(state, catcher, raw_input, exc, scope))
            raise
        finally:
            leave_state_random(random_token)
        return self._exited(state, frame, position, output, dumps(output))

    def _run_plain(self, state: State, raw_input: Any, frame: Frame, position: str) -> tuple[str | None, Any]:
        """A state that only hands on its input or its static Result (``State.plain``): the same events
        and checkpoint as :meth:`run_state` writes, without what nothing here uses (a scope, a random
        source, the retry and error handling); the output's text is the input's where they are one."""
        dumped = frame.dumped
        input_text = dumped[1] if dumped is not None and dumped[0] is raw_input else dumps(raw_input)
        frame.last = frame.log.add(f"{state.type}StateEntered", frame.last,
                                   {"input": input_text, "inputDetails": TRUNC, "name": state.name})
        effective = raw_input if state.input_path is not None else {}
        if state.type == "Succeed":
            output = effective
        elif state.result_path is None:
            output = raw_input
        else:
            output = state.result if state.has_result else effective
        if state.output_path is None:
            output = {}
        return self._exited(state, frame, position, output, input_text if output is raw_input else dumps(output))

    def _exited(self, state: State, frame: Frame, position: str, output: Any, text: str) -> tuple[str | None, Any]:
        """A state that completed with ``output`` (``text`` its JSON): its StateExited event, then
        :meth:`_completed`."""
        if len(text) > MAX_PAYLOAD_BYTES:
            raise Fatal(StatesError(STATES_DATA_LIMIT_EXCEEDED, f"The state/task '{state.name}' returned a result "
                                     "with a size exceeding the maximum number of bytes service limit."))
        frame.last = frame.log.add(f"{state.type}StateExited", frame.last,
                                   {"name": state.name, "output": text, "outputDetails": TRUNC})
        frame.dumped = (output, text)
        return self._completed(position, frame, None if state.end or state.type == "Succeed" else state.next, output)

    def _completed(self, position: str, frame: Frame, next_state: str | None, output: Any) -> tuple[str | None, Any]:
        """Report a state that completed (for a later redrive) and return its (next state, output)."""
        if self.hooks.on_checkpoint is not None:
            record = {"next": next_state, "output": output}
            if frame.variables:
                record["variables"] = dict(frame.variables)
            record_checkpoint(self.hooks, position, record)
        return next_state, output

    async def run_thread(self, machine: StateMachine, value: Any, frame: Frame) -> Any:
        """Run a branch or an iteration; one an earlier run completed answers with its output (redrive)."""
        position = frame.position
        if self.hooks.completed is not None:
            done = self.hooks.completed(position)
            if done is not None:
                return done.get("output")
        output = await self.run_machine(machine, value, frame)
        record_checkpoint(self.hooks, position, {"output": output})
        return output

    def _evaluation_failed(self, state: State, entered_id: int, exc: StatesError, frame: Frame,
                           before_entered: int) -> StatesError:
        """Prefix the cause as AWS does and record an EvaluationFailed event.

        AWS links a failure of Assign or Output (evaluated as the state ends) to the event
        before the state was entered, and any other to the state's own last event.
        """
        cause = exc.cause or ""
        if not cause.startswith(PREFIX):
            cause = f"{PREFIX} '{state.name}' (entered at the event id #{entered_id}). {cause}"
        details = {"cause": cause, "error": exc.error, "state": state.name}
        if exc.location:
            details["location"] = exc.location
        at_end = (exc.location or "").startswith(("Assign", "Output"))
        frame.last = frame.log.add("EvaluationFailed", before_entered if at_end else frame.last, details)
        return StatesError(exc.error, cause)

    def _caught(self, state, catcher, raw_input, exc: StatesError, scope: Scope):
        frame = scope.frame
        error_output = {"Error": exc.error, "Cause": exc.cause} if exc.cause is not None else {"Error": exc.error}
        if exc.error is None:
            error_output = {}
        if state.query_language == JSONATA:
            states = {"input": raw_input, "errorOutput": error_output}
            assigned = catcher.assign(states, scope) if catcher.assign is not None else None
            output = catcher.output(states, scope) if catcher.output is not None else error_output
            if assigned:
                assign_variables(frame, assigned)
            frame.last = frame.log.add(f"{state.type}StateExited", frame.last,
                                       {"name": state.name, "output": dumps(output), "outputDetails": TRUNC})
            return catcher.next, output
        if catcher.assign is not None:
            assign_variables(frame, catcher.assign(error_output, scope))
        if catcher.result_path is None:
            output = raw_input
        else:
            try:
                output = set_reference_path(raw_input, catcher.result_path, error_output)
            except PathNotFound:
                raise Fatal(StatesError("States.ResultPathMatchFailure",
                                         f"Unable to apply ReferencePath {catcher.raw_result_path} to input "
                                         f"'{dumps(raw_input)}'")) from None
        frame.last = frame.log.add(f"{state.type}StateExited", frame.last,
                                   {"name": state.name, "output": dumps(output), "outputDetails": TRUNC})
        return catcher.next, output

    async def _with_retry(self, state: State, raw_input: Any, scope: Scope, entered_id: int) -> Any:
        attempts: dict[int, int] = {}
        while True:
            try:
                return await self._execute(state, raw_input, scope, entered_id)
            except StatesError as exc:
                if exc.error in FATAL or not state.retry:
                    raise
                for index, retrier in enumerate(state.retry):
                    if error_matches(retrier.error_equals, exc.error):
                        done = attempts.get(index, 0)
                        if done >= retrier.max_attempts:
                            raise
                        attempts[index] = done + 1
                        scope.retry_count += 1
                        scope._context = None
                        await self.hooks.sleep(retrier.delay(done, state_random()))
                        break
                else:
                    raise

    async def _execute(self, state: State, raw_input: Any, scope: Scope, entered_id: int) -> Any:
        """InputPath, the type's step, ResultSelector, ResultPath, OutputPath."""
        if state.query_language == JSONATA:
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
            assign_variables(scope.frame, state.assign(result, scope))
        return self._output_path(state, self._result_into(state, raw_input, result), scope, entered_id)

    @staticmethod
    def _result_into(state: State, raw_input: Any, result: Any) -> Any:
        """ResultPath: where the result goes in the state's input (Wait and Succeed pass it on)."""
        if state.type in ("Wait", "Succeed"):
            return result
        if state.result_path is None:
            return raw_input
        if not state.result_path.keys:
            return result
        try:
            return set_reference_path(raw_input, state.result_path, result)
        except PathNotFound:
            raise StatesError("States.ResultPathMatchFailure",
                              f"Unable to apply ReferencePath {state.result_path.text} to input "
                              f"'{dumps(raw_input)}'") from None

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
            assign_variables(scope.frame, assigned)
        return output

    def _input_path(self, state: State, value: Any, scope: Scope, entered_id: int) -> Any:
        path = state.input_path
        if path is None:
            return {}
        if path.whole:
            return value
        try:
            return path.resolve(value, scope)
        except PathNotFound:
            raise runtime_error(state, entered_id, f"Invalid path '{path.text}' : No results for path: "
                                                    f"{jayway(path.text)}") from None

    def _output_path(self, state: State, value: Any, scope: Scope, entered_id: int) -> Any:
        path = state.output_path
        if path is None:
            return {}
        if path.whole:
            return value
        try:
            return path.resolve(value, scope)
        except PathNotFound:
            raise runtime_error(state, entered_id, f"Invalid path '{path.text}' : No results for path: "
                                                    f"{jayway(path.text)}") from None

    def _parameters(self, state: State, effective: Any, scope: Scope) -> Any:
        if state.parameters is None:
            return effective
        if state.query_language == JSONATA:
            return state.parameters({"input": effective}, scope)
        return state.parameters(effective, scope)

    # -- the types' own steps ------------------------------------------------------
