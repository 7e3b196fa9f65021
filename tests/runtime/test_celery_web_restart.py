"""The web process can go away mid-execution: executions live in the workers and Redis."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from .celery_support import ROOT, TEST_REDIS_URL

pytestmark = pytest.mark.celery

START_THEN_DIE = textwrap.dedent("""
    import json, os, sys
    from executor.runtime.celery_runtime import CeleryRuntime
    from tests.runtime.celery_support import TEST_REDIS_URL, make_app, request
    definition = json.loads(sys.argv[1])
    runtime = CeleryRuntime(app=make_app(TEST_REDIS_URL), redis_url=TEST_REDIS_URL)
    req = request(definition, {"a": 20, "b": 22})
    runtime.start_execution(req)
    print(req.execution_arn, flush=True)
    os._exit(0)  # the web process dies at once, without any clean-up
""")


def test_an_execution_started_by_a_web_process_that_died_still_completes(celery_runtime):
    """The process that started the execution exits at once; a later one (a restarted web
    process) finds the execution finished, with the right output and a whole history."""
    definition = {"StartAt": "Pause", "States": {
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Add"},
        "Add": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:add", "End": True}}}
    started = subprocess.run([sys.executable, "-c", START_THEN_DIE, json.dumps(definition)], cwd=ROOT,
                             capture_output=True, text=True, timeout=60,
                             env={"PYTHONPATH": str(ROOT), "SWITCHYARD_TEST_REDIS_URL": TEST_REDIS_URL,
                                  "PATH": "/usr/bin:/bin"})
    assert started.returncode == 0, started.stderr
    arn = started.stdout.strip()

    result = celery_runtime.wait(arn, timeout=30)
    assert result is not None, "the execution did not finish after its web process died"
    assert result.status == "SUCCEEDED" and json.loads(result.output) == {"sum": 42}
    types = [e["type"] for e in celery_runtime.history_page(arn, limit=100)]
    assert types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded"
    assert "WaitStateExited" in types and "LambdaFunctionSucceeded" in types

