"""Mocked service integrations in AWS Step Functions Local's mock configuration format.

A mock configuration names, per state machine, test cases; a test case maps state names to
mocked responses; a mocked response maps invocation keys (``"0"``, ``"1-2"``, zero-based and
inclusive) to ``{"Return": <result>}`` or ``{"Throw": {"Error": ..., "Cause": ...}}``::

    {"StateMachines": {"Orders": {"TestCases": {"HappyPath": {"Charge": "ChargeOk"}}}},
     "MockedResponses": {"ChargeOk": {"0": {"Return": {"StatusCode": 200}}}}}

Each Task state counts its own invocations over the whole execution (retries, loops and
Map iterations included), as Step Functions Local does. An invocation past the last key
answers with the last key's response. A state the test case does not name runs for real.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from executor.asl.teststate import Mock as MockedResponse  # one answer: a result to return, or an error to throw

__all__ = [
    "MockConfigError",
    "MockedResponse",
    "TestCase",
    "parse_mock_config",
    "test_case_from",
    "load_mock_config",
    "split_test_case",
    "MOCK_CONFIG_ENV",
]

MOCK_CONFIG_ENV = "SFN_MOCK_CONFIG"
SEPARATOR = "#"


class MockConfigError(ValueError):
    """The mock configuration is not well formed, or names something it does not define."""



def _parse_key(key: str, where: str) -> tuple[int, int]:
    parts = key.split("-")
    if len(parts) not in (1, 2) or not all(p.strip().isdigit() for p in parts):
        raise MockConfigError(f"{where}: the invocation key '{key}' is neither a number nor a range such as '1-2'")
    first, last = int(parts[0]), int(parts[-1])
    if last < first:
        raise MockConfigError(f"{where}: the range '{key}' ends before it starts")
    return first, last


def _parse_response(name: str, body: Any) -> list[tuple[int, int, MockedResponse]]:
    if not isinstance(body, dict) or not body:
        raise MockConfigError(f"MockedResponses.{name} must be an object of invocation keys")
    ranges = []
    for key, answer in body.items():
        where = f"MockedResponses.{name}.{key}"
        first, last = _parse_key(key, where)
        if not isinstance(answer, dict) or len(set(answer) & {"Return", "Throw"}) != 1 or len(answer) != 1:
            raise MockConfigError(f"{where} must hold exactly one of Return or Throw")
        if "Throw" in answer:
            thrown = answer["Throw"]
            if not isinstance(thrown, dict) or not isinstance(thrown.get("Error"), str):
                raise MockConfigError(f"{where}.Throw must be an object with an Error string (and a Cause)")
            cause = thrown.get("Cause")
            response = MockedResponse(error=thrown["Error"], cause=cause if isinstance(cause, str) or cause is None
                                      else json.dumps(cause))
        else:
            response = MockedResponse(result=answer["Return"])
        ranges.append((first, last, response))
    ranges.sort(key=lambda r: r[0])
    expected = 0
    for first, last, _ in ranges:
        if first != expected:
            raise MockConfigError(f"MockedResponses.{name}: the invocation keys must run from 0 without gaps or "
                                  f"overlaps (expected {expected}, found {first})")
        expected = last + 1
    return ranges


@dataclass(frozen=True)
class TestCase:
    """A test case resolved: for each mocked state, its invocation ranges and answers."""

    __test__ = False  # not a pytest class

    name: str
    states: dict[str, list[tuple[int, int, MockedResponse]]]

    def response(self, state_name: str, invocation: int) -> MockedResponse | None:
        """The answer to the ``invocation``-th call (zero-based) of ``state_name``, or None when the
        state is not mocked. Past the last key the last answer repeats."""
        ranges = self.states.get(state_name)
        if not ranges:
            return None
        for first, last, answer in ranges:
            if first <= invocation <= last:
                return answer
        return ranges[-1][2]

    def to_json(self) -> dict:
        """The form an ExecutionRequest carries (plain JSON, the same keys as the file)."""
        return {"name": self.name, "states": {
            state: {(str(a) if a == b else f"{a}-{b}"): (
                {"Throw": {"Error": r.error, **({"Cause": r.cause} if r.cause is not None else {})}}
                if r.throws else {"Return": r.result}) for a, b, r in ranges}
            for state, ranges in self.states.items()}}

    @classmethod
    def from_json(cls, data: dict) -> "TestCase":
        return cls(data["name"], {state: _parse_response(state, body) for state, body in data["states"].items()})


def parse_mock_config(config: Any) -> dict:
    """Check a whole mock configuration; returns it unchanged or raises MockConfigError with every
    reference it cannot resolve."""
    if not isinstance(config, dict):
        raise MockConfigError("A mock configuration is a JSON object with StateMachines and MockedResponses")
    machines = config.get("StateMachines", {})
    responses = config.get("MockedResponses", {})
    if not isinstance(machines, dict) or not isinstance(responses, dict):
        raise MockConfigError("StateMachines and MockedResponses must be objects")
    for name, body in responses.items():
        _parse_response(name, body)
    for machine, body in machines.items():
        cases = body.get("TestCases") if isinstance(body, dict) else None
        if not isinstance(cases, dict):
            raise MockConfigError(f"StateMachines.{machine} must hold a TestCases object")
        for case, states in cases.items():
            if not isinstance(states, dict):
                raise MockConfigError(f"StateMachines.{machine}.TestCases.{case} must map state names to "
                                      "mocked response names")
            for state, response in states.items():
                if response not in responses:
                    raise MockConfigError(f"StateMachines.{machine}.TestCases.{case}.{state} names the mocked "
                                          f"response '{response}', which MockedResponses does not define")
    return config


def test_case_from(config: dict, machine_name: str, case_name: str) -> TestCase:
    """The test case ``case_name`` of ``machine_name``; MockConfigError when it is not defined."""
    parse_mock_config(config)
    machine = config.get("StateMachines", {}).get(machine_name)
    if machine is None:
        raise MockConfigError(f"The mock configuration has no state machine named '{machine_name}'")
    case = machine["TestCases"].get(case_name)
    if case is None:
        raise MockConfigError(f"The state machine '{machine_name}' has no test case named '{case_name}' in the "
                              "mock configuration")
    responses = config["MockedResponses"]
    return TestCase(case_name, {state: _parse_response(response, responses[response])
                                for state, response in case.items()})


test_case_from.__test__ = False  # type: ignore[attr-defined]

_CACHE: dict[str, tuple[float, dict]] = {}
_CACHE_LOCK = threading.Lock()


def load_mock_config(path: str | None = None) -> dict | None:
    """The configuration in the file ``path`` (default: ``$SFN_MOCK_CONFIG``), read again when the file
    changes; None when no file is set. Raises MockConfigError for a file that is not valid."""
    path = path or os.environ.get(MOCK_CONFIG_ENV)
    if not path:
        return None
    file = Path(path)
    try:
        mtime = file.stat().st_mtime
    except OSError as exc:
        raise MockConfigError(f"{MOCK_CONFIG_ENV} names '{path}', which cannot be read: {exc.strerror}") from None
    with _CACHE_LOCK:
        cached = _CACHE.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
    try:
        config = json.loads(file.read_text())
    except ValueError as exc:
        raise MockConfigError(f"The mock configuration '{path}' is not valid JSON: {exc}") from None
    parse_mock_config(config)
    with _CACHE_LOCK:
        _CACHE[path] = (mtime, config)
    return config


def split_test_case(arn: str) -> tuple[str, str | None]:
    """``arn#TestCase`` -> (``arn``, ``TestCase``); an ARN without ``#`` -> (arn, None)."""
    if SEPARATOR in arn:
        base, case = arn.split(SEPARATOR, 1)
        return base, case
    return arn, None
