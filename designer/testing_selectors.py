"""Local testing reads: the mock test cases a state machine can be started with.

The test cases come from the mock configuration file that ``SFN_MOCK_CONFIG`` names (Step Functions
Local's format, :mod:`executor.resources.mocks`), read again when the file changes.
"""
from __future__ import annotations

from django.conf import settings

from designer.errors import ValidationException
from designer.models import StateMachine
from executor.resources.mocks import MockConfigError, load_mock_config

__all__ = ["test_case_list"]


def test_case_list(*, state_machine: StateMachine) -> dict:
    """``{"configured": bool, "test_cases": [name, ...]}``: whether a mock configuration is set, and
    the names of the test cases it defines for ``state_machine`` (in the file's order; none when the
    file does not name the machine). Raises ValidationException when the file cannot be read or is
    not valid."""
    try:
        config = load_mock_config(settings.SFN_MOCK_CONFIG or None)
    except MockConfigError as exc:
        raise ValidationException(str(exc)) from None
    if config is None:
        return {"configured": False, "test_cases": []}
    machine = config.get("StateMachines", {}).get(state_machine.name, {})
    return {"configured": True, "test_cases": list(machine.get("TestCases", {}))}


test_case_list.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
