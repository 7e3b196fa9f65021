"""Local testing: mock test cases, fault plans and the virtual clock an execution starts with.

A state machine's local settings (``StateMachine.local_settings``: ``faults`` and ``clock``) are
kept beside its definition, never in it; an execution copies what applies to it into
``Execution.local`` when it starts, so it runs (and is redriven) with the settings of its start.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings

from designer.errors import ValidationException
from designer.models import StateMachine
from executor.resources.faults import FaultPlanError, check_fault_plan
from executor.resources.mocks import MockConfigError, load_mock_config, test_case_from
from executor.runtime.clock import clock_factor

__all__ = ["local_settings_for", "state_machine_local_settings_set", "check_clock"]


def check_clock(clock: Any) -> Any:
    try:
        clock_factor(clock)
    except ValueError as exc:
        raise ValidationException(str(exc)) from None
    return clock


def _check_faults(faults: Any) -> Any:
    try:
        return check_fault_plan(faults)
    except FaultPlanError as exc:
        raise ValidationException(f"Invalid fault plan: {exc}") from None


def state_machine_local_settings_set(*, state_machine: StateMachine, faults: dict | None = None,
                                     clock: Any = None) -> StateMachine:
    """Replace the state machine's fault plan and clock (None removes one); return it saved.
    Raises ValidationException for a malformed plan or clock."""
    local: dict[str, Any] = {}
    if faults:
        local["faults"] = _check_faults(faults)
    if clock not in (None, False, {}):
        local["clock"] = check_clock(clock)
    state_machine.local_settings = local
    state_machine.save(update_fields=["local_settings", "updated"])
    return state_machine


def local_settings_for(*, state_machine: StateMachine, test_case: str | None = None, clock: Any = None,
                       faults: dict | None = None) -> dict:
    """The local-test settings an execution of ``state_machine`` starts with: the test case of the
    mock configuration (``SFN_MOCK_CONFIG``) named ``test_case``, and the fault plan and clock given
    here or else stored for the state machine. Raises ValidationException when the test case is not
    in the mock configuration or the configuration is not valid."""
    local: dict[str, Any] = {}
    if test_case is not None:
        try:
            config = load_mock_config(settings.SFN_MOCK_CONFIG or None)
            if config is None:
                raise MockConfigError(f"The test case '{test_case}' was asked for, but SFN_MOCK_CONFIG names no "
                                      "mock configuration file")
            local["testCase"] = test_case_from(config, state_machine.name, test_case).to_json()
        except MockConfigError as exc:
            raise ValidationException(str(exc)) from None
    stored = state_machine.local_settings or {}
    plan = faults if faults is not None else stored.get("faults")
    if plan:
        local["faults"] = _check_faults(plan)
    chosen = clock if clock is not None else stored.get("clock")
    if chosen not in (None, False, {}):
        local["clock"] = check_clock(chosen)
    return local
