"""executor.asl: the Amazon States Language, parsed, validated and interpreted.

Pure: imports only the standard library and small pure libraries.
"""
from .errors import DefinitionError, Problem, StatesError
from .history import dumps
from .interpreter import Execution, ExecutionInfo, Hooks, Outcome
from .parser import parse_definition, validate_definition
from .states import StateMachine

__all__ = [
    "DefinitionError",
    "Problem",
    "StatesError",
    "Execution",
    "ExecutionInfo",
    "Hooks",
    "Outcome",
    "StateMachine",
    "dumps",
    "parse_definition",
    "validate_definition",
]
