"""Workflow test cases (*.sfntest.json): the runner, and the pytest plugin that collects them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from executor.runtime.workflow_tests import CaseFileError, load_cases, run_folder

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_CASES = REPO / "examples" / "tests"
PASS_MACHINE = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"ok": 1}, "Next": "B"},
                                           "B": {"Type": "Succeed"}}}


def write_case(folder: Path, expect: dict, **extra) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "small.sfntest.json"
    file.write_text(json.dumps({"definition": PASS_MACHINE, "cases": {"one": {"expect": expect, **extra}}}))
    return file


def test_every_case_of_the_order_pipeline_example_passes():
    outcomes = run_folder(EXAMPLE_CASES)
    assert len(outcomes) == 5
    failures = {o.case.id: o.problems for o in outcomes if isinstance(o, CaseFileError) or not o.passed}
    assert failures == {}


def test_a_case_reports_each_difference_from_what_it_expects(tmp_path):
    write_case(tmp_path, {"status": "SUCCEEDED", "output": {"ok": 2}, "path": ["A", "C"]})
    outcome, = run_folder(tmp_path)
    assert not outcome.passed
    assert outcome.problems == ['output: expected {"ok": 2}, got {"ok": 1}', "path: expected A > C, got A > B"]


def test_a_case_naming_an_unknown_test_case_is_refused_with_the_reason(tmp_path):
    file = write_case(tmp_path, {}, testCase="Nope", mocks={"StateMachines": {}, "MockedResponses": {}})
    with pytest.raises(CaseFileError, match="no state machine named"):
        load_cases(file)


def pytest_run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "executor.runtime.pytest_plugin", "-q",
                           "-p", "no:cacheprovider", *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_the_pytest_plugin_collects_each_case_as_a_test():
    done = pytest_run(str(EXAMPLE_CASES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout


def test_the_pytest_plugin_fails_a_case_with_its_differences(tmp_path):
    write_case(tmp_path, {"status": "FAILED"})
    done = pytest_run(str(tmp_path), "--rootdir", str(tmp_path))
    assert done.returncode == 1
    assert "workflow case small.sfntest.json::one failed:" in done.stdout
    assert 'status: expected "FAILED", got "SUCCEEDED"' in done.stdout
