"""Re-run a finished execution from any of its top-level states, with the same or an edited input.

Beyond AWS (whose RedriveExecution only resumes a failed run, under the same ARN): this starts a
NEW execution of exactly the definition the finished one ran (and its version and local-test
settings), beginning at the chosen state instead of StartAt. Its ExecutionStarted carries the
input given, which is also what the chosen state receives; by default that is the input the state
received in the original run (its last top-level StateEntered). The new execution records the one
it re-runs and the state, and runs like any other: its own ARN and history, listed, watched live,
stopped and redriven (a redrive of it begins at the same state). The history does not record what
states assign (AWS's assignedVariables), so the re-run has only the variables it is given.

A re-run starts at a top-level state: a state inside a Map or a Parallel is refused with an error
that names the enclosing top-level state to re-run from instead (its iterations or branches get
their input from it).
"""
from __future__ import annotations

import json

from django.db import IntegrityError

from designer.errors import ExecutionAlreadyExists, ExecutionNotRerunnable, InvalidExecutionInput, ValidationException
from designer.history import all_events
from designer.models import Execution, ExecutionStatus
from designer.services import _check_input, _new_execution, _save_and_start
from designer.storable import escape_unstorable, first_unstorable

__all__ = ["execution_rerun", "state_input"]

def _top_level_entries(events, containers: dict[str, bool]) -> list[tuple[int, str]]:
    """``(id, state name)`` of the top-level StateEntered events, in order.

    ``events`` are ``(id, type, entered state's name, exited state's name)`` in order;
    ``containers`` maps each top-level state's name to whether it is a Map or a Parallel. The top
    level is sequential: once a top-level Map or Parallel is entered, everything up to its own
    StateExited (or the end of the execution, or a redrive) belongs to its iterations or branches.
    """
    inside = None
    entries = []
    for event_id, kind, entered, exited in events:
        if inside is not None:
            if (kind.endswith("StateExited") and exited == inside) or kind.startswith("Execution"):
                inside = None
            continue
        if kind.endswith("StateEntered") and entered in containers:
            entries.append((event_id, entered))
            if containers[entered]:
                inside = entered
    return entries


def state_input(*, execution: Execution, state: str) -> str | None:
    """The input (JSON text) the top-level ``state`` last received in ``execution``; None if never entered."""
    machine = _machine(execution)
    containers = {name: s.type in ("Map", "Parallel") for name, s in machine.states.items()}
    events = {event.event_id: event for event in all_events(execution)}
    names = ((event_id, event.type, event.details.get("stateEnteredEventDetails", {}).get("name"),
              event.details.get("stateExitedEventDetails", {}).get("name")) for event_id, event in events.items())
    entered = [event_id for event_id, name in _top_level_entries(names, containers) if name == state]
    if not entered:
        return None
    return events[entered[-1]].details["stateEnteredEventDetails"].get("input")


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


def _machine(execution: Execution):
    from executor.asl import DefinitionError, parse_definition

    try:
        return parse_definition(execution.definition, machine_type=execution.state_machine.type)
    except DefinitionError as exc:
        raise ValidationException(f"The definition this execution ran no longer parses: {exc}") from exc


def _check_state(execution: Execution, state: str) -> None:
    machine = _machine(execution)
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
