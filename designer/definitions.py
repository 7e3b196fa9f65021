"""The designer's window on ``executor.asl``: checking a definition and listing its problems."""
from __future__ import annotations

import json
from dataclasses import dataclass

from designer.errors import InvalidDefinition
from designer.storable import first_unstorable

__all__ = ["Diagnostic", "definition_check", "definition_diagnostics", "MAX_DEFINITION_BYTES"]

# AWS's quota on the size of a definition.
MAX_DEFINITION_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # ERROR | WARNING
    code: str
    message: str
    location: str | None


def definition_check(text: str, *, machine_type: str = "STANDARD") -> None:
    """Return None when the engine accepts ``text`` for a ``machine_type`` (STANDARD or EXPRESS)
    state machine; raise InvalidDefinition with AWS's message otherwise."""
    from executor.asl import DefinitionError, parse_definition

    _check_size(text)
    _check_storable(text)
    try:
        parse_definition(text, machine_type=machine_type)
    except DefinitionError as exc:
        raise InvalidDefinition(str(exc)) from exc
    except RecursionError as exc:
        # Nested beyond what a recursive parser handles: not a definition AWS would take either.
        raise InvalidDefinition(
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The definition is nested too deeply'"
        ) from exc


def definition_diagnostics(text: str, *, machine_type: str = "STANDARD") -> list[Diagnostic]:
    """Return every problem in ``text`` for a ``machine_type`` state machine (empty when valid), errors first."""
    from executor.asl import validate_definition

    try:
        _check_size(text)
        _check_storable(text)
        problems = validate_definition(text, machine_type=machine_type)
    except InvalidDefinition as exc:
        return [Diagnostic("ERROR", "SCHEMA_VALIDATION_FAILED", str(exc), None)]
    except RecursionError:
        return [Diagnostic("ERROR", "SCHEMA_VALIDATION_FAILED", "The definition is nested too deeply", None)]
    diagnostics = [
        Diagnostic(
            severity=str(getattr(problem, "severity", None) or "ERROR"),
            code=str(problem.code),
            message=str(problem.message),
            location=getattr(problem, "path", None) or None,
        )
        for problem in problems
    ]
    diagnostics.sort(key=lambda d: d.severity != "ERROR")
    return diagnostics


def _check_size(text: str) -> None:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_DEFINITION_BYTES:
        raise InvalidDefinition(
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: "
            f"The definition is larger than {MAX_DEFINITION_BYTES} bytes'"
        )


def _check_storable(text: str) -> None:
    """Refuse a definition holding a lone surrogate or NUL: state names, errors and causes
    reach the history, which no database (or, for NUL, not PostgreSQL) could store."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return  # the parser names what is wrong with it
    problem = first_unstorable(value)
    if problem:
        raise InvalidDefinition(f"Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The definition "
                                f"holds {problem}, which Switchyard does not accept'")
