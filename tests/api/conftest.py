"""Fixtures for the API tests: a live server, a boto3 client and the AWS CLI pointed at it.

The suite runs on SQLite by default; set DATABASE_URL to a PostgreSQL URL to run it there
(``make test`` does both when PostgreSQL answers).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROLE_ARN = "arn:aws:iam::123456789012:role/test"
DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_PAGER": "",
    # Otherwise StartSyncExecution goes to sync-<host>, which a local endpoint is not.
    "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
}
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


def pass_definition(result: object = "done", **extra) -> str:
    """Return the text of a one-state Pass machine whose output is ``result``."""
    return json.dumps({"StartAt": "Only", "States": {"Only": {"Type": "Pass", "Result": result, "End": True}},
                       **extra})


WAIT_DEFINITION = json.dumps(
    {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 30, "End": True}}}
)


@pytest.fixture(autouse=True, scope="session")
def api_runtime():
    """Run the API tests on the embedded runtime (SWITCHYARD_API_TEST_RUNTIME to change).

    ``auto`` would pick Celery whenever Redis answers, and nothing here starts a worker;
    the Celery runtime is tested with its workers in tests/runtime/.
    """
    from django.conf import settings

    from designer.runtime import set_runtime

    previous = settings.SWITCHYARD_RUNTIME
    settings.SWITCHYARD_RUNTIME = os.environ.get("SWITCHYARD_API_TEST_RUNTIME", "embedded")
    set_runtime(None)
    yield
    settings.SWITCHYARD_RUNTIME = previous
    set_runtime(None)


@pytest.fixture(autouse=True)
def executions_end_with_their_test(request):
    """Stop what a test left running in this process and wait until its history is written,
    before the test's database is emptied.

    Otherwise the history writer can still be writing (a Distributed Map's children are written
    after its end is reported) while the database is flushed: on PostgreSQL the TRUNCATE and the
    INSERT can deadlock, and between tests pytest-django refuses every thread the database."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool({"live_server", "transactional_db"} & set(request.fixturenames)
                         or (marker is not None and marker.kwargs.get("transaction")))
    if transactional:  # set up after the database, so torn down before it is flushed
        request.getfixturevalue("transactional_db")
    yield
    if not transactional:
        return
    from designer.runtime import current_runtime
    from designer.sink import get_sink

    runtime = current_runtime()
    if runtime is not None and runtime.in_process:
        for arn in runtime.running():
            runtime.stop_execution(arn, "States.Aborted", "The test ended.")
        deadline = time.monotonic() + 10
        while runtime.running() and time.monotonic() < deadline:
            time.sleep(0.02)
        runtime.flush()
    get_sink().flush(30)


@pytest.fixture(autouse=True)
def local_buckets(tmp_path, monkeypatch):
    """Every test's own buckets folder, so nothing writes to var/buckets."""
    folder = tmp_path / "local-buckets"
    monkeypatch.setenv("SWITCHYARD_BUCKETS_DIR", str(folder))
    return folder


@pytest.fixture
def endpoint(live_server) -> str:
    """The live server's base URL; the database is reset after each test."""
    return live_server.url


@pytest.fixture
def sfn(endpoint):
    """A boto3 Step Functions client talking real HTTP to the live server."""
    return boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        # No retries: a test must see the first answer. No sync- host prefix (StartSyncExecution).
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, inject_host_prefix=False,
                      read_timeout=60),
    )


@pytest.fixture
def make_state_machine(sfn):
    """Create a state machine and return its ARN: ``make_state_machine(name, definition=..., type=...)``."""

    def make(name: str, definition: str | None = None, type: str = "STANDARD") -> str:
        return sfn.create_state_machine(
            name=name, definition=definition or pass_definition(), roleArn=ROLE_ARN, type=type
        )["stateMachineArn"]

    return make


@pytest.fixture
def api(client):
    """Django's test client on the REST API, sending and reading JSON."""

    class Api:
        def get(self, url, **params):
            return client.get(url, params)

        def post(self, url, body):
            return client.post(url, json.dumps(body), content_type="application/json")

        def patch(self, url, body):
            return client.patch(url, json.dumps(body), content_type="application/json")

        def delete(self, url):
            return client.delete(url)

        def put_json(self, url, body):
            return client.put(url, json.dumps(body), content_type="application/json")

    return Api()


def wait_for_end(sfn, execution_arn: str, timeout: float = 20.0) -> dict:
    """Poll DescribeExecution until the execution leaves RUNNING; return the description."""
    deadline = time.monotonic() + timeout
    while True:
        description = sfn.describe_execution(executionArn=execution_arn)
        if description["status"] in TERMINAL:
            return description
        if time.monotonic() > deadline:
            raise AssertionError(f"{execution_arn} still RUNNING after {timeout}s")
        time.sleep(0.05)


def _aws_executable() -> list[str]:
    local = Path(sys.executable).with_name("aws")
    if local.exists():
        return [str(local)]
    found = shutil.which("aws")
    if found:
        return [found]
    pytest.skip("The AWS CLI (the awscli package) is not installed")


class AwsCli:
    """Runs ``aws stepfunctions ...`` against the live server."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.env = {**os.environ, **DUMMY_AWS_ENV}

    def __call__(self, *args: str, expect_error: str | None = None) -> dict:
        """Return the parsed JSON output; with ``expect_error``, assert the call failed with that code."""
        command = [*_aws_executable(), "stepfunctions", *args, "--endpoint-url", self.endpoint,
                   "--region", "us-east-1", "--output", "json", "--cli-read-timeout", "60"]
        done = subprocess.run(command, capture_output=True, text=True, env=self.env, timeout=120)
        if expect_error is not None:
            assert done.returncode != 0, done.stdout
            assert f"({expect_error})" in done.stderr, done.stderr
            return {"stderr": done.stderr}
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}


@pytest.fixture
def aws(endpoint) -> AwsCli:
    return AwsCli(endpoint)


@pytest.fixture
def execution():
    """A RUNNING execution of a Pass machine, saved as StartExecution saves one (no runtime runs it)."""
    from django.utils import timezone

    from designer.models import Execution, StateMachine

    sm = StateMachine.objects.create(name="s", arn="arn:aws:states:us-east-1:123456789012:stateMachine:s",
                                     definition=pass_definition(), role_arn="arn:aws:iam::123456789012:role/r")
    return Execution.objects.create(arn="arn:aws:states:us-east-1:123456789012:execution:s:e", name="e",
                                    state_machine=sm, definition=sm.definition, start_date=timezone.now())
