"""A Distributed Map reading a CSV from a folder bucket, batching it through a Lambda Task and
writing its results, on the embedded runtime and on Celery workers."""
from __future__ import annotations

import json
import uuid

import pytest

from executor.resources.lambdas import handler, unbind
from executor.runtime.embedded import EmbeddedRuntime, MemorySink

from .celery_support import request

ECHO = "arn:aws:lambda:us-east-1:123456789012:function:echo"


def _definition(bucket: str) -> dict:
    return {"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "End": True, "MaxConcurrency": 4,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                       "Parameters": {"Bucket": bucket, "Key": "rows.csv"}},
        "ItemBatcher": {"MaxItemsPerBatch": 25, "BatchInput": {"source": "rows.csv"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Echo", "States": {"Echo": {"Type": "Task", "Resource": ECHO, "End": True}}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                         "Parameters": {"Bucket": bucket, "Prefix": "results"}}}}}


@pytest.fixture(params=["embedded", pytest.param("celery", marks=pytest.mark.celery)])
def runtime(request):
    if request.param == "celery":
        yield request.getfixturevalue("celery_runtime")
        return
    handler("echo")(lambda event, context: event)
    rt = EmbeddedRuntime()
    yield rt
    rt.close()
    unbind("echo")


def test_csv_rows_are_batched_through_a_task_and_written_to_the_bucket(runtime, buckets_dir, monkeypatch):
    monkeypatch.setenv("SWITCHYARD_BUCKETS_DIR", str(buckets_dir))
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    (buckets_dir / bucket).mkdir()
    (buckets_dir / bucket / "rows.csv").write_text("id,word\n" + "".join(f"{i},w{i}\n" for i in range(200)))
    sink = MemorySink()
    req = request(_definition(bucket), {})
    result = runtime.start_execution(req, sink).result(60)
    assert result.status == "SUCCEEDED", result
    details = json.loads(result.output)["ResultWriterDetails"]
    manifest = json.loads((buckets_dir / bucket / details["Key"]).read_text())
    succeeded = json.loads((buckets_dir / bucket / manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]).read_text())
    outputs = [json.loads(entry["Output"]) for entry in succeeded]
    assert len(outputs) == 8
    assert all(o["BatchInput"] == {"source": "rows.csv"} for o in outputs)
    assert [row["id"] for o in outputs for row in o["Items"]] == [str(i) for i in range(200)]
    runtime.flush()  # the result can come back before the last events reach the sink
    types = [e["type"] for e in sink.events[req.execution_arn]]
    assert types[-4:] == ["MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"]
    assert "TaskStateEntered" not in types  # the children's states are in their own histories


def test_each_child_is_handed_to_the_sink_with_its_own_history(buckets_dir, monkeypatch):
    """The embedded runtime gives a sink that keeps children (as the designer's does) each child
    execution with its events; the Celery runtime's workers do the same with their sink."""
    handler("echo")(lambda event, context: event)
    runtime = EmbeddedRuntime()
    try:
        monkeypatch.setenv("SWITCHYARD_BUCKETS_DIR", str(buckets_dir))
        bucket = f"b-{uuid.uuid4().hex[:8]}"
        (buckets_dir / bucket).mkdir()
        (buckets_dir / bucket / "rows.csv").write_text("id,word\n" + "".join(f"{i},w{i}\n" for i in range(60)))
        sink = MemorySink()
        result = runtime.start_execution(request(_definition(bucket), {}), sink).result(60)
    finally:
        runtime.close()
        unbind("echo")
    assert result.status == "SUCCEEDED", result
    children = sink.children.values()
    assert len(children) == 3 and {c["status"] for c in children} == {"SUCCEEDED"}
    assert sorted(c["itemCount"] for c in children) == [10, 25, 25]
    for child in children:
        types = [e["type"] for e in child["events"]]
        assert types == ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted",
                         "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"]
        assert [e["id"] for e in child["events"]] == list(range(1, 8))
        assert json.loads(child["output"])["Items"] == json.loads(child["input"])["Items"]
