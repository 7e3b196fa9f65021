"""A pytest plugin that collects workflow test cases (``*.sfntest.json``) as tests.

Enable it with ``pytest -p executor.runtime.pytest_plugin <folder>`` (or ``pytest_plugins`` in a
root conftest.py); each case is one test item, named ``file::case``, and a failing case reports
each difference from what it expects.
"""
from __future__ import annotations

import pytest

from .workflow_tests import SUFFIX, CaseFileError, WorkflowCase, load_cases, run_case

_RUNTIME = None


def _runtime():
    global _RUNTIME
    if _RUNTIME is None:
        from .embedded import EmbeddedRuntime

        _RUNTIME = EmbeddedRuntime()
    return _RUNTIME


def pytest_collect_file(parent, file_path):
    if file_path.name.endswith(SUFFIX):
        return WorkflowCaseFile.from_parent(parent, path=file_path)
    return None


def pytest_unconfigure(config):
    global _RUNTIME
    if _RUNTIME is not None:
        _RUNTIME.close()
        _RUNTIME = None


class WorkflowCaseFile(pytest.File):
    def collect(self):
        try:
            cases = load_cases(self.path)
        except CaseFileError as exc:
            raise self.CollectError(str(exc)) from None
        for case in cases:
            yield WorkflowCaseItem.from_parent(self, name=case.name, case=case)


class WorkflowCaseItem(pytest.Item):
    def __init__(self, *, case: WorkflowCase, **kwargs):
        super().__init__(**kwargs)
        self.case = case

    def runtest(self):
        outcome = run_case(self.case, _runtime())
        if not outcome.passed:
            raise WorkflowCaseFailed(outcome.problems)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, WorkflowCaseFailed):
            return "\n".join([f"workflow case {self.case.id} failed:", *excinfo.value.problems])
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"workflow case: {self.case.name}"


class WorkflowCaseFailed(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems
