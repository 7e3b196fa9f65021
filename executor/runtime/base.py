"""What a runtime needs from its host, and what it offers.

The designer (Django) implements :class:`ExecutionSink`; the engine and its
tests run without Django by using an in-memory sink.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["ExecutionSink", "ExecutionRequest", "ExecutionResult", "Runtime"]


@dataclass(frozen=True)
class ExecutionRequest:
    execution_arn: str
    state_machine_arn: str
    state_machine_name: str
    name: str
    definition: str  # the ASL text, exactly as stored
    input: str  # the execution input, JSON text
    role_arn: str
    start_time: float  # epoch seconds
    type: str = "STANDARD"  # or EXPRESS
    # Local-test settings, JSON: {"testCase": ..., "faults": ..., "clock": ...} (docs/testing.md)
    local: dict | None = None
    # A redrive: {"count": n, "after": id of the ExecutionRedriven event, "checkpoints": {...}}
    redrive: dict | None = None
    # A re-run from a state (docs/testing.md): the top-level state to begin at instead of StartAt,
    # and the variables in scope there
    start_state: str | None = None
    start_variables: dict | None = None


@dataclass
class ExecutionResult:
    status: str  # SUCCEEDED | FAILED | TIMED_OUT | ABORTED
    output: str | None = None  # JSON text
    error: str | None = None
    cause: str | None = None
    stop_time: float | None = None
    # What completed, by position, for an execution that did not succeed (RedriveExecution reads it).
    checkpoints: dict | None = None


class ExecutionSink(Protocol):
    """Where a runtime writes an execution's history and its end.

    A sink whose two methods only queue what they are given (they never block) may say so with a
    true ``queues_only`` attribute: the embedded runtime then calls it from its loop at once, rather
    than through its writer thread (a hand-over per loop turn, and an end seen later)."""

    def append_events(self, execution_arn: str, events: list[dict[str, Any]]) -> None:
        """Persist events in order. Each is shaped like one GetExecutionHistory event:
        ``{"id", "previousEventId", "timestamp" (epoch float), "type", "<x>EventDetails": {...}}``."""

    def execution_finished(self, execution_arn: str, result: ExecutionResult) -> None:
        """Record the terminal status (after its terminal event was appended)."""


class Runtime(Protocol):
    name: str  # "embedded" or "celery"
    #: Executions run in this process: ``is_running`` answers from memory, without I/O.
    in_process: bool

    def start_execution(self, request: ExecutionRequest, sink: ExecutionSink) -> None:
        """Begin running; returns at once."""

    def run_sync(self, request: ExecutionRequest, sink: ExecutionSink, timeout: float | None = None) -> ExecutionResult:
        """Run to the end and return the result (StartSyncExecution)."""

    def stop_execution(self, execution_arn: str, error: str | None, cause: str | None) -> bool:
        """Abort a running execution; False when this runtime does not hold it."""

    def stop_map_child(self, execution_arn: str, child_arn: str, error: str | None, cause: str | None) -> bool:
        """Abort ``child_arn``, a running child of a Distributed Map of ``execution_arn``; False when
        this runtime does not hold that execution (or, where it can tell at once, that child)."""

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until the history produced so far has reached the sinks this runtime writes to."""

    def is_running(self, execution_arn: str) -> bool:
        """Whether the execution has started and not ended."""

    async def state_async(self, execution_arn: str) -> tuple[bool | None, ExecutionResult | None]:
        """``(is_running, ended)`` for a caller on an event loop, which it does not block; running
        is None when the runtime cannot tell now."""

    def ended(self, execution_arn: str) -> ExecutionResult | None:
        """The end of an execution that has ended, known here before its sink (perhaps in another
        process) has written it; None when it has not ended or this runtime cannot tell."""

    def recorded_ends(self, execution_arns: list[str], *, ended_before: float | None = None,
                      ) -> dict[str, tuple[ExecutionResult, list[dict[str, Any]]]]:
        """Those of ``execution_arns`` that have ended (before ``ended_before``, epoch s, when given),
        each with its end and its whole history as this runtime recorded them, for a sink that may
        have lost them: the process that was to write them (a worker, or the one that decided the
        execution) died after the end was recorded. Empty where the runtime's record dies with the
        process that writes the sink (the embedded one)."""

    def metrics(self) -> dict[str, Any]:
        """``{"queues": {name: depth}, "workers": {node: {...}}, "executions_running": n, ...}``:
        what the runtime has waiting and running now (cheap enough to ask every second)."""

    def close(self) -> None:
        """Stop the runtime's threads; running executions are left to be resumed."""
