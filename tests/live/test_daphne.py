"""The product as a user runs it without Redis: daphne (``python -m config.web``, as `make run`
starts it), the embedded runtime, the in-memory layer; an execution started through the AWS API
is watched over a real websocket."""
from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time

import boto3
import pytest
import websockets
from botocore.config import Config

from tests.runtime.celery_support import ROOT

ROLE_ARN = "arn:aws:iam::123456789012:role/test"
DEFINITION = json.dumps({"StartAt": "Pause", "States": {
    "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Fan"},
    "Fan": {"Type": "Map", "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}, "End": True}}})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """daphne on a free loopback port, its own SQLite file, no Redis for the layer."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", SWITCHYARD_RUNTIME="embedded",
               SWITCHYARD_CHANNEL_LAYER="memory", DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    log = open(tmp_path / "daphne.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "config.web", "-b", "127.0.0.1", "-p", str(port),
                             "config.asgi:application"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "daphne.log").read_text()
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


async def test_a_run_started_through_the_aws_api_is_watched_live_over_daphne(server):
    """Events arrive while the run goes on, ending with SUCCEEDED, equal to GetExecutionHistory;
    a page of another origin is refused at the handshake."""
    sfn = boto3.client("stepfunctions", endpoint_url=f"http://127.0.0.1:{server}", region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test",
                       config=Config(retries={"max_attempts": 1}))
    machine = sfn.create_state_machine(name="live-daphne", definition=DEFINITION, roleArn=ROLE_ARN)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"],
                              input=json.dumps({"items": list(range(30))}))["executionArn"]
    events, statuses, batches = [], [], 0
    uri = f"ws://127.0.0.1:{server}/ws/executions/{arn}?metrics=0"
    async with websockets.connect(uri, origin=f"http://127.0.0.1:{server}") as ws:
        while not statuses or statuses[-1]["status"] == "RUNNING":
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=20))
            events += [message["event"]] if message["type"] == "event" else message.get("events", [])
            batches += message["type"] in ("event", "events")
            statuses += [message] if message["type"] == "status" else []
    history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    assert statuses[0]["status"] == "RUNNING" and statuses[-1]["status"] == "SUCCEEDED"
    assert batches >= 2, "the events came in one piece: none arrived live"
    assert [e["id"] for e in events] == [e["id"] for e in history] == list(range(1, len(history) + 1))
    assert [e["type"] for e in events] == [e["type"] for e in history]
    assert [e["timestamp"] for e in events] == [e["timestamp"].timestamp() for e in history]

    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        await websockets.connect(uri, origin="https://evil.example")
    assert refused.value.response.status_code == 403
