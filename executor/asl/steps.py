"""The state types' own steps (Pass, Choice, Fail, Wait, Task), mixed into Execution."""
from __future__ import annotations

import asyncio
from typing import Any

from .choice import parse_timestamp
from .errors import STATES_HEARTBEAT_TIMEOUT, STATES_NO_CHOICE_MATCHED, STATES_RUNTIME, STATES_TIMEOUT, StatesError
from .history import dumps, is_activity, lambda_function_name, needs_task_token, split_resource
from .paths import PathNotFound
from .scope import JSONATA, TRUNC, Frame, Scope, assign_variables, coerce_number, json_type, runtime_error
from .states import ChoiceState, FailState, PassState, State, TaskState, WaitState


class StepsMixin:
    """Pass, Choice, Fail, Wait and Task; ``self`` is the Execution."""

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
                                  f"'{json_type(matched)}' for value: {dumps(matched)}", location="Condition",
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
            assign_variables(scope.frame, assigned)
        self.scope_exit(state, output, scope.frame)
        return target, output

    def _choice(self, state: ChoiceState, raw_input: Any, scope: Scope, entered_id: int):
        if state.query_language == JSONATA:
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
            assign_variables(scope.frame, assign(effective, scope))
        output = self._output_path(state, effective, scope, entered_id)
        self.scope_exit(state, output, scope.frame)
        return target, output

    def scope_exit(self, state: State, output: Any, frame: Frame) -> None:
        frame.last = frame.log.add(f"{state.type}StateExited", frame.last,
                                  {"name": state.name, "output": dumps(output), "outputDetails": TRUNC})

    def _fail_error(self, state: FailState, raw_input: Any, scope: Scope, entered_id: int) -> StatesError:
        error, cause = state.error, state.cause
        if state.query_language == JSONATA:
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
        if state.query_language == JSONATA:
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
                raise runtime_error(state, entered_id, f"The SecondsPath parameter does not reference an input "
                                                        f"value: {state.seconds_path.text}") from None
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                    isinstance(value, float) and not value.is_integer()):
                raise runtime_error(state, entered_id, "The SecondsPath parameter cannot be parsed as a long "
                                                        f"value: {state.seconds_path.text} == {dumps(value)}")
            if value < 0:
                raise runtime_error(state, entered_id, "The SecondsPath parameter references a negative value: "
                                                        f"{state.seconds_path.text} == {dumps(value)}")
            seconds = value
        if state.timestamp_path is not None:
            try:
                value = state.timestamp_path.resolve(effective, scope)
            except PathNotFound:
                raise runtime_error(state, entered_id, "The TimestampPath parameter does not reference an input "
                                                        f"value: {state.timestamp_path.text}") from None
            if parse_timestamp(value) is None:
                shown = value if isinstance(value, str) else dumps(value)
                raise runtime_error(state, entered_id, "The TimestampPath parameter does not reference a valid "
                                                        "ISO-8601 extended offset date-time format string: "
                                                        f"{state.timestamp_path.text} == {shown}")
            timestamp = value
        if timestamp is not None:
            until = parse_timestamp(timestamp).timestamp()
            seconds = until - self.hooks.now()
            if seconds > 0 and self.hooks.sleep_until is not None:
                await self.hooks.sleep_until(until)
                return effective
        if seconds and seconds > 0:
            await self.hooks.sleep(seconds)
        return effective

    async def _task(self, state: TaskState, effective: Any, scope: Scope) -> Any:
        log, frame = scope.frame.log, scope.frame
        resource = state.resource
        key = f"{frame.path}/{state.name}@{scope.visit}:{scope.retry_count}"
        if needs_task_token(resource) and self.hooks.task_token is not None:
            # $$.Task.Token must be there before Parameters are evaluated.
            scope.extra = {**(scope.extra or {}), "Task": {"Token": self.hooks.task_token(key)}}
            scope._context = None
        parameters = self._parameters(state, effective, scope)
        timeout = self._seconds(state, state.timeout_seconds, effective, scope, "TimeoutSeconds")
        heartbeat = self._seconds(state, state.heartbeat_seconds, effective, scope, "HeartbeatSeconds")
        prefix, base = self._task_scheduled(state, parameters, timeout, heartbeat, frame)
        started = []

        def mark_started(details: dict | None = None) -> None:
            """Record the start once: at once for Lambda and integrations, when a worker
            takes the task for an activity (the runtime calls this)."""
            if not started:
                started.append(True)
                frame.last = log.add(f"{prefix}Started", frame.last,
                                     details if prefix != "Task" else dict(base))

        def mark_submitted(output: Any) -> None:
            """A callback Task's call went out (AWS: TaskSubmitted); the Task now waits for its token."""
            frame.last = log.add("TaskSubmitted", frame.last,
                                 {**base, "output": dumps(output), "outputDetails": TRUNC})

        if prefix != "Activity":
            mark_started()
        info = {"execution_arn": self.info.execution_arn, "state_name": state.name,
                # Stable across re-runs of the same execution: a runtime can replay finished work by it.
                "key": key, "attempt": scope.retry_count, "timeout_seconds": timeout,
                "heartbeat_seconds": heartbeat, "started": mark_started, "submitted": mark_submitted,
                "context": scope.context if needs_task_token(resource) else None}
        try:
            call = self.hooks.invoke(resource, parameters, info)
            result = await (asyncio.wait_for(call, self.hooks.timeout_seconds(timeout)) if timeout else call)
        except asyncio.TimeoutError:
            mark_started({})
            frame.last = log.add(f"{prefix}TimedOut", frame.last, {**base, "error": STATES_TIMEOUT})
            raise StatesError(STATES_TIMEOUT, None) from None
        except StatesError as exc:
            mark_started({})
            details = dict(base)
            if exc.error is not None:
                details["error"] = exc.error
            if exc.cause is not None:
                details["cause"] = exc.cause
            timed_out = exc.error in (STATES_TIMEOUT, STATES_HEARTBEAT_TIMEOUT)
            frame.last = log.add(f"{prefix}{'TimedOut' if timed_out else 'Failed'}", frame.last, details)
            raise
        mark_started({})
        frame.last = log.add(f"{prefix}Succeeded", frame.last,
                             {**base, "output": dumps(result), "outputDetails": TRUNC})
        return result

    def _seconds(self, state, value, effective, scope, field_name):
        """TimeoutSeconds/HeartbeatSeconds: a number, a JSONata expression or a ``...Path``."""
        if callable(value):
            return self._jsonata_number(value, effective, scope, field_name)
        if value is not None and not isinstance(value, (int, float)):
            return self._number_from_path(state, value, effective, scope, f"{field_name}Path")
        return value

    def _task_scheduled(self, state, parameters, timeout, heartbeat, frame) -> tuple[str, dict]:
        """Record the scheduling event AWS records for this kind of resource; returns the
        event-name prefix (LambdaFunction, Activity or Task) and the details every later
        event of the task repeats."""
        resource, log = state.resource, frame.log
        if lambda_function_name(resource) is not None or is_activity(resource):
            prefix = "LambdaFunction" if lambda_function_name(resource) is not None else "Activity"
            details = {"resource": resource, "input": dumps(parameters), "inputDetails": TRUNC}
            if timeout:
                details["timeoutInSeconds"] = timeout
            if heartbeat and prefix == "Activity":
                details["heartbeatInSeconds"] = heartbeat
            frame.last = log.add(f"{prefix}Scheduled", frame.last, details)
            return prefix, {}
        rtype, rname = split_resource(resource)
        base = {"resourceType": rtype, "resource": rname}
        details = {**base, "region": self.region, "parameters": dumps(parameters)}
        if timeout:
            details["timeoutInSeconds"] = timeout
        if heartbeat:
            details["heartbeatInSeconds"] = heartbeat
        frame.last = log.add("TaskScheduled", frame.last, details)
        return "Task", base

    @staticmethod
    def _jsonata_number(evaluator, raw_input, scope, field_name, integer=True):
        value = evaluator({"input": raw_input}, scope)
        number = coerce_number(value, integer)
        if number is None:
            raise StatesError("States.QueryEvaluationError", f"The JSONata expression specified for the field "
                              f"'{field_name}' returned an unexpected result type. Expected "
                              f"'{'integer' if integer else 'number'}', but was '{json_type(value)}' for value: "
                              f"{dumps(value)}", location=field_name, evaluation=True)
        return number

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
