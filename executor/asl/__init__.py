"""executor.asl: the Amazon States Language, parsed, validated and interpreted.

Pure: imports only the standard library and small pure libraries.
"""
# The JSONata evaluator's native module is loaded here, on the thread that imports the engine
# (a process's main thread), never lazily: loaded on a thread that then ends (a request thread),
# its next use on another thread crashes the process.
from . import jsonata_support  # noqa: F401
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
