"""The conformance corpus (recorded on AWS) run through the engine in-process, on both runtimes.

The embedded runtime runs it on its own loop; the Celery runtime through real
workers on Redis (the ``celery_runtime`` fixture of conftest.py).
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from executor.runtime.embedded import EmbeddedRuntime

from .inprocess_client import InProcessClient

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "conformance"
JSONPATH_FEATURES_EXCLUDED = {"jsonata", "variables"}

pytestmark = pytest.mark.skipif(not (CORPUS / "run.py").exists(),
                                reason="../shared/conformance is absent (it ships with the team's checkout only)")


def _runner_module():
    spec = importlib.util.spec_from_file_location("conformance_run", CORPUS / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=["embedded", pytest.param("celery", marks=pytest.mark.celery)])
def results(request):
    run = _runner_module()
    if request.param == "celery":
        runtime, owned = request.getfixturevalue("celery_runtime"), False
    else:
        runtime, owned = EmbeddedRuntime(), True
    client = InProcessClient(runtime)
    runner = run.Runner(client, timeout_s=30, run_tag="inproc", history=True)
    cases = run.load_cases(str(CORPUS / "cases"), os.environ.get("CONFORMANCE_FILTER"))
    out = [runner.run_case(case) for case in cases]
    if owned:
        runtime.close()
    return out


def _rate(results, features=None, exclude=()):
    chosen = [r for r in results if (features is None or r["feature"] in features) and r["feature"] not in exclude]
    passed = sum(r["passed"] for r in chosen)
    return passed, len(chosen), [f"{r['id']}: {r['reason']}" for r in chosen if not r["passed"]]


def test_jsonpath_cases_pass_at_least_97_percent(results):
    passed, total, failures = _rate(results, exclude=JSONPATH_FEATURES_EXCLUDED)
    assert total and passed / total >= 0.97, "\n".join(failures)


def test_recorded_histories_match_for_jsonpath_cases(results):
    chosen = [r for r in results if r.get("history", {}).get("result") in ("matched", "differed")
              and r["feature"] not in JSONPATH_FEATURES_EXCLUDED]
    matched = [r for r in chosen if r["history"]["result"] == "matched"]
    differed = [f"{r['id']}: {r['history'].get('reason')}" for r in chosen if r["history"]["result"] != "matched"]
    assert chosen and len(matched) / len(chosen) >= 0.95, "\n".join(differed)
