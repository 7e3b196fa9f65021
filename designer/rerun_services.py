"""Re-run a finished execution from any of its top-level states, with the same or an edited input.

Beyond AWS (whose RedriveExecution only resumes a failed run, under the same ARN): this starts a
NEW execution of exactly the definition the finished one ran (and its version and local-test
settings), beginning at the chosen state instead of StartAt. Its ExecutionStarted carries the
input given, which is also what the chosen state receives; by default that is the input the state
received in the original run (its last top-level StateEntered). The new execution records the one
it re-runs and the state, and runs like any other: its own ARN and history, listed, watched live,
stopped and redriven (a redrive of it begins at the same state). Variables that states before the
chosen one assigned are not in any history, so the re-run has only those it is given.

A re-run starts at a top-level state: a state inside a Map or a Parallel is refused with an error
that names the enclosing top-level state to re-run from instead (its iterations or branches get
their input from it).
"""
from __future__ import annotations

import json

from django.db import IntegrityError

from designer.errors import ExecutionAlreadyExists, ExecutionNotRerunnable, InvalidExecutionInput, ValidationException
from designer.models import Execution, ExecutionStatus
from designer.services import _check_input, _new_execution, _save_and_start
from designer.storable import escape_unstorable, first_unstorable

__all__ = ["execution_rerun", "state_input"]

# Events that open a Map's iterations or a Parallel's branches: what follows them on the same
# thread of control is nested, except the container's own closing events.
_CONTAINER_STARTS = frozenset({"MapStateStarted", "ParallelStateStarted", "MapRunStarted"})


def _top_level(events) -> list:
    """The events of the top-level thread of control, in order.

    The top level is sequential, so each of its events points (previousEventId) at the one before
    on that thread; a branch or an iteration begins from its container's *Started event.
    """
    top_ids = {0}
    top = []
    types: dict[int, str] = {}
    for event in events:
        types[event.event_id] = event.type
        if event.type in ("ExecutionStarted", "ExecutionRedriven"):
            top_ids.add(event.event_id)
            continue
        if event.previous_event_id not in top_ids:
            continue
        opens_child = types.get(event.previous_event_id) in _CONTAINER_STARTS and (
            event.type.endswith("StateEntered") or event.type.startswith("MapIteration"))
        if not opens_child:
            top_ids.add(event.event_id)
            top.append(event)
    return top


def state_input(*, execution: Execution, state: str) -> str | None:
    """The input (JSON text) the top-level ``state`` last received in ``execution``; None if never entered."""
    events = execution.events.order_by("event_id").only("event_id", "previous_event_id", "type", "details")
    entered = [e for e in _top_level(events) if e.type.endswith("StateEntered")
               and (e.details.get("stateEnteredEventDetails") or {}).get("name") == state]
    return entered[-1].details["stateEnteredEventDetails"].get("input") if entered else None


def _enclosing(states: dict, state: str) -> str | None:
    """The top-level state whose Map iterations or Parallel branches hold ``state``, if any."""
    def holds(machine) -> bool:
        return any(name == state or any(holds(m) for m in _children(s)) for name, s in machine.states.items())

    for name, top in states.items():
        if any(holds(m) for m in _children(top)):
            return name
    return None


def _children(state) -> tuple:
    processor = getattr(state, "processor", None)  # a Map's; a Parallel has branches
    return (*getattr(state, "branches", ()), *((processor,) if processor is not None else ()))


def _check_state(execution: Execution, state: str) -> None:
    from executor.asl import DefinitionError, parse_definition

    try:
        machine = parse_definition(execution.definition, machine_type=execution.state_machine.type)
    except DefinitionError as exc:
        raise ValidationException(f"The definition this execution ran no longer parses: {exc}") from exc
    if state in machine.states:
        return
    shown = escape_unstorable(state)
    enclosing = _enclosing(machine.states, state)
    if enclosing is not None:
        raise ValidationException(
            f"State '{shown}' is inside the state '{enclosing}': a re-run starts at a top-level state, "
            f"so re-run from '{enclosing}' instead")
    raise ValidationException(f"State '{shown}' is not a state of the definition this execution ran "
                              f"(its top-level states: {', '.join(machine.states)})")


def _check_variables(text: str | None) -> dict | None:
    """The variables (a JSON object's text) as a dict; None for none. Raises ValidationException."""
    if text is None or not text.strip():
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValidationException(f"The variables are not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValidationException("The variables must be a JSON object of variable names and values")
    problem = first_unstorable(value)
    if problem:
        raise ValidationException(f"The variables hold {problem}, which Switchyard does not accept")
    return value or None


def execution_rerun(*, execution: Execution, state: str, input: str | None = None, variables: str | None = None,
                    name: str | None = None) -> Execution:
    """Start a new execution re-running the finished ``execution`` from its top-level ``state``.

    ``input`` (JSON text) is what the new execution starts with and ``state`` receives; None reuses
    what ``state`` received in ``execution``. ``variables`` (a JSON object's text) are in scope at
    ``state`` (as if assigned before it). Returns the new execution, RUNNING. Raises
    ExecutionNotRerunnable while ``execution`` runs, ValidationException for a state that is not
    top-level (naming the one that holds it) or not in the definition, InvalidExecutionInput for
    input that is not JSON (with its line and column) or missing where the state was never
    entered, ValidationException for ``variables`` that are not a JSON object, ExecutionAlreadyExists
    and InvalidName for ``name``.
    """
    if execution.status == ExecutionStatus.RUNNING:
        raise ExecutionNotRerunnable(f"Execution '{execution.arn}' is RUNNING: only a finished execution can be "
                                     "re-run from a state (stop it first)")
    _check_state(execution, state)
    assigned = _check_variables(variables)
    if input is None:
        input = state_input(execution=execution, state=state)
        if input is None:
            raise InvalidExecutionInput(f"State '{state}' was not entered in execution '{execution.arn}', so there "
                                        "is no input of its to reuse: give the input")
    text = _check_input(input)
    rerun = _new_execution(state_machine=execution.state_machine, name=name, input=text, trace_header="",
                           local=execution.local)
    # Exactly what the finished execution ran, even if the state machine changed since.
    rerun.definition = execution.definition
    rerun.state_machine_version_arn = execution.state_machine_version_arn
    rerun.rerun_of, rerun.rerun_state, rerun.rerun_variables = execution, state, assigned
    try:
        _save_and_start(rerun)
    except IntegrityError:
        raise ExecutionAlreadyExists(f"Execution Already Exists: '{rerun.arn}'") from None
    return rerun
