"""What both runtimes do around the interpreter, written once so they cannot drift.

From a request to an :class:`~executor.asl.Execution`, running it to an outcome (a stop, a
lost connection or an engine bug each end it the same way on both), and from the outcome
to the :class:`ExecutionResult` a sink records.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import replace
from typing import Any, Callable, Iterator

from executor.asl import Execution, ExecutionInfo, Hooks, Outcome, StateMachine, StatesError, dumps, parse_definition
from executor.resources import ResourceFailure, bucket_items
from executor.resources.intercept import intercept, intercept_token

from .base import ExecutionRequest, ExecutionResult
from .clock import VirtualClock, clock_factor

__all__ = ["execution_info", "machine_for", "start", "read_items", "write_results", "run_to_outcome", "failed",
           "result_of", "run_alone", "STATES_RUNTIME"]

log = logging.getLogger(__name__)

STATES_RUNTIME = "States.Runtime"
_MACHINES: dict[tuple[str, str], StateMachine] = {}


def execution_info(request: ExecutionRequest) -> ExecutionInfo:
    return ExecutionInfo(
        execution_arn=request.execution_arn, name=request.name, state_machine_arn=request.state_machine_arn,
        state_machine_name=request.state_machine_name, role_arn=request.role_arn, start_time=request.start_time,
        input=json.loads(request.input) if request.input not in (None, "") else {},
        redrive_count=(request.redrive or {}).get("count", 0), resume_after=(request.redrive or {}).get("after", 0),
        start_at=request.start_state, variables=request.start_variables,
    )


def machine_for(request: ExecutionRequest) -> StateMachine:
    """The parsed definition, shared by every execution of the same text (parsed objects are immutable)."""
    key = (request.definition, request.type)
    machine = _MACHINES.get(key)
    if machine is None:
        machine = parse_definition(request.definition, machine_type=request.type)
        if len(_MACHINES) > 512:
            _MACHINES.clear()
        _MACHINES[key] = machine
    return machine


def start(request: ExecutionRequest, hooks: Hooks, sink: Any = None) -> Execution | Outcome:
    """The execution to run, or the FAILED outcome of one that cannot start (its definition no longer
    parses, say): it fails loudly, with the reason, and nothing else is lost. A Distributed Map reads
    and writes the local folder buckets; its Map Run and its child executions go to ``sink`` when the
    sink keeps them."""
    if hooks.read_items is None:
        hooks.read_items = read_items
    if hooks.write_results is None:
        hooks.write_results = write_results
    if hooks.map_run is None and getattr(sink, "map_run_updated", None) is not None:
        hooks.map_run = sink.map_run_updated
    if hooks.map_child is None and getattr(sink, "map_child", None) is not None:
        hooks.map_child = sink.map_child  # each child execution, with its own history
        hooks.map_child_backlog = getattr(sink, "children_backlog", None)
    try:
        # What completes is recorded for a later redrive (STANDARD executions only, as on AWS).
        checkpoints = dict((request.redrive or {}).get("checkpoints") or {}) if request.type == "STANDARD" else None
        hooks = replace(local_hooks(request, hooks), on_checkpoint=checkpoints.__setitem__ if checkpoints is not None
                        else None, completed=checkpoints.get if request.redrive and checkpoints is not None else None)
        execution = Execution(machine_for(request), execution_info(request), hooks)
        execution.checkpoints = checkpoints
        return execution
    except Exception as exc:
        log.exception("cannot start %s", request.execution_arn)
        return Outcome("FAILED", error=STATES_RUNTIME, cause=str(exc))


def local_hooks(request: ExecutionRequest, hooks: Hooks) -> Hooks:
    """``hooks`` behind the request's local-test settings: a virtual clock, then mocks and faults
    in front of the runtime's invoke (so a mocked Task never reaches a real resource)."""
    local = request.local
    if not local:
        return hooks
    factor = clock_factor(local.get("clock"))
    if factor is not None:
        clock = VirtualClock(factor, hooks.sleep, hooks.now)
        # A Wait until a timestamp goes through the clock's sleep too (with the seconds left).
        hooks = replace(hooks, sleep=clock.sleep, sleep_until=None, now=clock.now,
                        timeout_seconds=clock.timeout_seconds)
    return replace(hooks, invoke=intercept(hooks.invoke, hooks.sleep, local),
                   task_token=intercept_token(hooks.task_token, local))


def read_items(resource: str, request: dict) -> Iterator[Any]:
    """A Distributed Map's ItemReader on the local folder buckets, failures as StatesError."""
    try:
        yield from bucket_items.read_items(resource, request)
    except ResourceFailure as exc:
        raise StatesError(exc.error, exc.cause) from None


def write_results(resource: str, request: dict) -> dict:
    try:
        return bucket_items.write_results(resource, request)
    except ResourceFailure as exc:
        raise StatesError(exc.error, exc.cause) from None


async def run_to_outcome(execution: Execution, on_cancel: Callable[[], Outcome | None]) -> Outcome | None:
    """Run to the end. A cancellation (StopExecution, a lost lock or connection) ends as ``on_cancel``
    says; an engine bug ends the execution with ExecutionFailed, States.Runtime and the reason."""
    try:
        return await execution.run()
    except asyncio.CancelledError:
        return on_cancel()
    except Exception as exc:
        log.exception("execution %s crashed", execution.info.execution_arn)
        return failed(execution, STATES_RUNTIME, f"Internal error: {type(exc).__name__}: {exc}")


def failed(execution: Execution, error: str, cause: str) -> Outcome:
    """Record ExecutionFailed after the last event and return the FAILED outcome."""
    execution.log.add("ExecutionFailed", execution.log.next_id - 1, {"error": error, "cause": cause})
    return Outcome("FAILED", error=error, cause=cause)


def result_of(outcome: Outcome, execution: Execution | None = None) -> ExecutionResult:
    """The result to record; one that did not succeed keeps what completed, so it can be redriven."""
    succeeded = outcome.status == "SUCCEEDED"
    checkpoints = getattr(execution, "checkpoints", None) if not succeeded else None
    return ExecutionResult(
        status=outcome.status, output=dumps(outcome.output) if succeeded else None,
        error=outcome.error, cause=outcome.cause, stop_time=time.time(), checkpoints=checkpoints,
    )




async def _needs_a_runtime(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("a self-contained state machine asked its runtime for a Task or a wait")


def run_alone(request: ExecutionRequest, budget_s: float) -> tuple[list[dict], ExecutionResult] | None:
    """Run a fresh execution of a self-contained state machine (``StateMachine.self_contained``: Pass,
    Choice, Succeed and Fail only) to its end in the calling thread, with no event loop: its history
    and its result, recorded nowhere yet. None, having had no effect, when the request is not such
    an execution (a redrive, a definition that does not parse) or when it is still running after
    ``budget_s`` (a long loop of Choice states): the caller then runs it as any other.

    The interpreter hands control back every 64 states (``Execution.run_machine``); that is
    where the budget is checked, and where a run past it is closed without another state."""
    if request.redrive:
        return None
    try:
        if not machine_for(request).self_contained:
            return None
    except Exception:  # the runtime's own start fails it loudly, with the reason
        return None
    events: list[dict] = []
    hooks = Hooks(invoke=_needs_a_runtime, sleep=_needs_a_runtime, on_event=events.append)
    execution = start(request, hooks)
    if isinstance(execution, Outcome):
        return None
    deadline = time.monotonic() + budget_s
    run = run_to_outcome(execution, lambda: None)
    try:
        while True:
            if run.send(None) is not None or time.monotonic() > deadline:
                run.close()  # it awaited something real, or ran too long: let a runtime run it
                return None
    except StopIteration as end:
        outcome = end.value
    return events, result_of(outcome, execution)
