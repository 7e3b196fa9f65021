"""The parsed, immutable form of a state machine: one class per state type.

Only the parser builds these; the interpreter reads them. Each field that
holds an expression holds it compiled (a path, a payload evaluator, a
predicate), so nothing is parsed while an execution runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .paths import compile_path
from .retry import Catcher, Retrier

ROOT = compile_path("$")

__all__ = [
    "StateMachine",
    "State",
    "PassState",
    "TaskState",
    "ChoiceState",
    "ChoiceBranch",
    "WaitState",
    "SucceedState",
    "FailState",
    "ParallelState",
    "MapState",
]


@dataclass
class StateMachine:
    """A whole definition, or one Parallel branch, or one Map's ItemProcessor."""

    start_at: str
    states: dict[str, "State"]
    timeout_seconds: int | None = None
    query_language: str = "JSONPath"
    comment: str | None = None
    has_concurrency: bool = False  # any Parallel or Map inside (history is then interleaved)

    #: the state types whose run needs nothing from a runtime: no call out, no wait, no branches
    SELF_CONTAINED = frozenset(("Pass", "Choice", "Succeed", "Fail"))

    @cached_property
    def self_contained(self) -> bool:
        """Only Pass, Choice, Succeed and Fail states and no TimeoutSeconds: a run calls no resource,
        never waits and starts no branch, so the interpreter decides it from start to end without
        a runtime's help (a runtime may then run it wherever it starts,
        :func:`executor.runtime.lifecycle.run_alone`)."""
        return self.timeout_seconds is None and all(s.type in self.SELF_CONTAINED for s in self.states.values())


@dataclass
class State:
    name: str
    type: str
    raw: dict
    query_language: str = "JSONPath"
    next: str | None = None
    end: bool = False
    input_path: Any = ROOT  # compiled JsonPath, or None (discard input: {})
    output_path: Any = ROOT
    parameters: Any = None  # payload evaluator (Parameters / Arguments)
    result_selector: Any = None
    result_path: Any = ROOT  # compiled JsonPath, or None (discard result)
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    assign: Any = None  # evaluator returning a dict of variables
    output: Any = None  # JSONata Output evaluator

    @property
    def terminal(self) -> bool:
        return self.end or self.type in ("Succeed", "Fail")

    @cached_property
    def plain(self) -> bool:
        """A Pass or Succeed state that only hands on its input, or a Pass state's static Result, whole
        (paths of ``$`` or null, nothing to evaluate, no variables): nothing in it can fail, read the
        context or draw a random value, so the interpreter runs it without a scope
        (:meth:`executor.asl.interpreter.Execution.run_state`)."""
        if self.type not in ("Pass", "Succeed") or self.assign is not None or self.output is not None:
            return False
        if self.parameters is not None or self.result_selector is not None:
            return False
        return all(path is None or path.whole for path in (self.input_path, self.output_path, self.result_path))


@dataclass
class PassState(State):
    result: Any = None
    has_result: bool = False


@dataclass
class TaskState(State):
    resource: str = ""
    timeout_seconds: Any = None  # number, or an evaluator (TimeoutSecondsPath)
    heartbeat_seconds: Any = None
    credentials: Any = None


@dataclass
class ChoiceBranch:
    predicate: Any
    next: str
    assign: Any = None
    output: Any = None


@dataclass
class ChoiceState(State):
    choices: tuple[ChoiceBranch, ...] = ()
    default: str | None = None


@dataclass
class WaitState(State):
    seconds: Any = None
    seconds_path: Any = None
    timestamp: Any = None
    timestamp_path: Any = None


@dataclass
class SucceedState(State):
    pass


@dataclass
class FailState(State):
    error: Any = None
    cause: Any = None
    error_path: Any = None
    cause_path: Any = None


@dataclass
class ParallelState(State):
    branches: tuple[StateMachine, ...] = ()


@dataclass
class MapState(State):
    processor: StateMachine | None = None
    mode: str = "INLINE"
    items_path: Any = ROOT
    items: Any = None  # JSONata Items
    item_selector: Any = None
    max_concurrency: Any = 0
    max_concurrency_path: Any = None
    tolerated_failure_count: Any = None
    tolerated_failure_count_path: Any = None
    tolerated_failure_percentage: Any = None
    tolerated_failure_percentage_path: Any = None
    item_reader: Any = None  # map_io.ItemReaderSpec
    item_batcher: Any = None  # map_io.ItemBatcherSpec
    result_writer: Any = None  # map_io.ResultWriterSpec
    label: str | None = None
    extra: dict = field(default_factory=dict)
