"""Workflow test cases: files that say what a workflow must do, run like code in CI.

A case file is JSON named ``*.sfntest.json``. Its fields, shared by the cases it lists::

    {"definition": "../order-pipeline.asl.json",     # a path (from the file) or the ASL object
     "stateMachine": "order-pipeline",                # the name in the mock configuration
     "mocks": "MockConfigFile.json",                  # a path or the configuration object
     "handlers": ["examples.handlers"],               # modules whose @handler functions bind
     "cases": {
        "happy path": {"testCase": "HappyPath", "input": {...},
                       "expect": {"status": "SUCCEEDED", "output": {...},
                                  "path": ["Validate", "Charge", "Ship"]}},
        "card declined": {"testCase": "Declined", "faults": {...}, "clock": "skip",
                          "expect": {"status": "FAILED", "error": "Payment.Declined"}}}}

A case may also set ``definition``, ``mocks``, ``stateMachine`` or ``handlers`` itself.
``expect`` checks only what it names: ``status``, ``output``, ``error``, ``cause`` and ``path``
(the names of the top-level states entered, in order). Cases run on the embedded runtime with
their mocks, faults and clock (docs/testing.md), so no server is needed.
"""
from __future__ import annotations

import importlib
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from executor.asl import parse_definition
from executor.resources.mocks import MockConfigError, parse_mock_config, test_case_from

from .base import ExecutionRequest
from .embedded import EmbeddedRuntime, MemorySink

__all__ = ["WorkflowCase", "CaseOutcome", "CaseFileError", "load_cases", "run_case", "run_folder", "SUFFIX"]

SUFFIX = ".sfntest.json"
SHARED = ("definition", "stateMachine", "mocks", "handlers")
EXPECTABLE = ("status", "output", "error", "cause", "path")


class CaseFileError(ValueError):
    """A case file that cannot be read or names what is not there."""


@dataclass
class WorkflowCase:
    """One case, its references resolved."""

    file: Path
    name: str
    definition: str
    state_machine: str
    expect: dict
    input: Any = None
    local: dict = field(default_factory=dict)
    handlers: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.file.name}::{self.name}"


@dataclass
class CaseOutcome:
    case: WorkflowCase
    problems: list[str]
    status: str
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.problems


def _read(base: Path, value: Any, what: str) -> Any:
    """A field that is a path (read as JSON text relative to the case file) or the value itself."""
    if isinstance(value, str):
        path = (base / value).resolve()
        try:
            return path.read_text()
        except OSError as exc:
            raise CaseFileError(f"{what} '{value}' cannot be read: {exc.strerror}") from None
    return json.dumps(value)


def load_cases(file: Path) -> list[WorkflowCase]:
    """The cases of one case file; raises CaseFileError naming the problem."""
    try:
        data = json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        raise CaseFileError(f"{file}: {exc}") from None
    if not isinstance(data, dict):
        raise CaseFileError(f"{file}: a case file is a JSON object")
    cases = data.get("cases") or {"": {k: v for k, v in data.items() if k not in SHARED}}
    loaded = []
    for name, body in cases.items():
        merged = {**{k: data[k] for k in SHARED if k in data}, **body}
        where = f"{file.name}::{name}" if name else file.name
        if "definition" not in merged:
            raise CaseFileError(f"{where}: no definition")
        definition = _read(file.parent, merged["definition"], "definition")
        machine_name = merged.get("stateMachine") or (
            Path(merged["definition"]).name.split(".")[0] if isinstance(merged["definition"], str) else "workflow")
        local: dict[str, Any] = {k: merged[k] for k in ("faults", "clock") if merged.get(k) is not None}
        if merged.get("testCase"):
            if "mocks" not in merged:
                raise CaseFileError(f"{where}: testCase '{merged['testCase']}' needs a mocks configuration")
            try:
                config = parse_mock_config(json.loads(_read(file.parent, merged["mocks"], "mocks")))
                local["testCase"] = test_case_from(config, machine_name, merged["testCase"]).to_json()
            except (MockConfigError, ValueError) as exc:
                raise CaseFileError(f"{where}: {exc}") from None
        expect = merged.get("expect") or {}
        unknown = set(expect) - set(EXPECTABLE)
        if unknown:
            raise CaseFileError(f"{where}: expect has {sorted(unknown)}; it may hold {', '.join(EXPECTABLE)}")
        loaded.append(WorkflowCase(file=file, name=name or file.name[:-len(SUFFIX)], definition=definition,
                                   state_machine=machine_name, expect=expect, input=merged.get("input", {}),
                                   local=local, handlers=list(merged.get("handlers") or [])))
    return loaded


def _top_level_path(definition: str, events: list[dict]) -> list[str]:
    names = set(parse_definition(definition).states)
    return [e["stateEnteredEventDetails"]["name"] for e in events
            if e["type"].endswith("StateEntered") and e["stateEnteredEventDetails"]["name"] in names]


def run_case(case: WorkflowCase, runtime: EmbeddedRuntime, timeout: float = 60.0) -> CaseOutcome:
    """Run one case to its end and compare it with what it expects."""
    for module in case.handlers:
        importlib.import_module(module)
    name = uuid.uuid4().hex
    arn = f"arn:aws:states:us-east-1:123456789012:stateMachine:{case.state_machine}"
    request = ExecutionRequest(
        execution_arn=arn.replace(":stateMachine:", ":execution:") + f":{name}", state_machine_arn=arn,
        state_machine_name=case.state_machine, name=name, definition=case.definition,
        input=json.dumps(case.input), role_arn="arn:aws:iam::123456789012:role/workflow-tests",
        start_time=time.time(), local=case.local or None)
    sink = MemorySink()
    began = time.monotonic()
    result = runtime.start_execution(request, sink).result(timeout)
    runtime.flush()
    seconds = time.monotonic() - began
    events = sink.events.get(request.execution_arn, [])
    actual = {"status": result.status, "error": result.error, "cause": result.cause,
              "output": json.loads(result.output) if result.output is not None else None}
    problems = []
    for key in ("status", "error", "cause", "output"):
        if key in case.expect and case.expect[key] != actual[key]:
            problems.append(f"{key}: expected {json.dumps(case.expect[key])}, got {json.dumps(actual[key])}")
    if "path" in case.expect:
        path = _top_level_path(case.definition, events)
        if path != case.expect["path"]:
            problems.append(f"path: expected {' > '.join(case.expect['path'])}, got {' > '.join(path)}")
    if problems and "status" not in case.expect and result.status != "SUCCEEDED":
        problems.append(f"the execution {result.status}: {result.error}: {result.cause}")
    return CaseOutcome(case, problems, result.status, seconds)


def run_folder(folder: Path, runtime: EmbeddedRuntime | None = None) -> list[CaseOutcome | CaseFileError]:
    """Run every case of every ``*.sfntest.json`` under ``folder``; a file that cannot be read is
    reported as its CaseFileError, in its place."""
    own = runtime is None
    runtime = runtime or EmbeddedRuntime()
    outcomes: list[CaseOutcome | CaseFileError] = []
    try:
        for file in sorted(Path(folder).rglob(f"*{SUFFIX}")):
            try:
                cases = load_cases(file)
            except CaseFileError as exc:
                outcomes.append(exc)
                continue
            outcomes.extend(run_case(case, runtime) for case in cases)
    finally:
        if own:
            runtime.close()
    return outcomes
