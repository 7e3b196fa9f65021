"""ASL error names and the exceptions the engine raises.

``StatesError`` is a runtime failure with AWS's Error and Cause; it is what
Retry and Catch match. ``DefinitionError`` is a rejected definition with every
problem found, each located by its JSON path.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "STATES_ALL",
    "STATES_TIMEOUT",
    "STATES_HEARTBEAT_TIMEOUT",
    "STATES_TASK_FAILED",
    "STATES_RUNTIME",
    "STATES_NO_CHOICE_MATCHED",
    "STATES_INTRINSIC_FAILURE",
    "STATES_PARAMETER_PATH_FAILURE",
    "STATES_RESULT_PATH_MATCH_FAILURE",
    "STATES_BRANCH_FAILED",
    "STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD",
    "STATES_DATA_LIMIT_EXCEEDED",
    "STATES_PERMISSIONS",
    "STATES_ITEM_READER_FAILED",
    "STATES_RESULT_WRITER_FAILED",
    "STATES_QUERY_EVALUATION_ERROR",
    "StatesError",
    "Problem",
    "DefinitionError",
]

STATES_ALL = "States.ALL"
STATES_TIMEOUT = "States.Timeout"
STATES_HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
STATES_TASK_FAILED = "States.TaskFailed"
STATES_RUNTIME = "States.Runtime"
STATES_NO_CHOICE_MATCHED = "States.NoChoiceMatched"
STATES_INTRINSIC_FAILURE = "States.IntrinsicFailure"
STATES_PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
STATES_RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
STATES_BRANCH_FAILED = "States.BranchFailed"
STATES_EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
STATES_DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
STATES_PERMISSIONS = "States.Permissions"
STATES_ITEM_READER_FAILED = "States.ItemReaderFailed"
STATES_RESULT_WRITER_FAILED = "States.ResultWriterFailed"
STATES_QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"

#: Errors that ``States.ALL`` does not catch (AWS: it matches every error but these).
NOT_CAUGHT_BY_ALL = frozenset({STATES_DATA_LIMIT_EXCEEDED, STATES_RUNTIME})


class StatesError(Exception):
    """A state failed with ``error`` and ``cause``, as AWS would record them.

    ``location`` names the field being evaluated (for EvaluationFailed events);
    ``evaluation`` marks failures AWS reports with an EvaluationFailed event.
    """

    def __init__(self, error: str | None, cause: str | None = None, *, location: str | None = None,
                 evaluation: bool = False):
        super().__init__(f"{error}: {cause}" if cause else (error or ""))
        self.error = error
        self.cause = cause
        self.location = location
        self.evaluation = evaluation


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition: where (a JSON pointer) and which rule."""

    path: str
    message: str
    code: str = "SCHEMA_VALIDATION_FAILED"

    def __str__(self) -> str:
        return f"{self.code}: {self.message} at {self.path}"


class DefinitionError(Exception):
    """The definition was rejected; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.aws_message())

    def aws_message(self) -> str:
        """The message CreateStateMachine gives with InvalidDefinition."""
        if len(self.problems) == 1:
            return f"Invalid State Machine Definition: '{self.problems[0]}'"
        body = ", ".join(str(p) for p in self.problems)
        return f"Invalid State Machine Definition: '{body}'"
