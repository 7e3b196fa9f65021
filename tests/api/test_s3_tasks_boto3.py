"""S3 SDK integrations (aws-sdk:s3:*) on the local folder buckets, run through boto3 executions."""
from __future__ import annotations

import hashlib
import json

import pytest

from tests.api.conftest import wait_for_end

S3 = "arn:aws:states:::aws-sdk:s3:"


def _task(action: str, parameters: dict, result_path: str, next_state: str | None) -> dict:
    state = {"Type": "Task", "Resource": S3 + action, "Parameters": parameters, "ResultPath": result_path}
    return {**state, "Next": next_state} if next_state else {**state, "End": True}


@pytest.fixture
def buckets(tmp_path, monkeypatch):
    root = tmp_path / "buckets"
    (root / "docs").mkdir(parents=True)
    (root / "archive").mkdir()
    monkeypatch.setenv("SWITCHYARD_BUCKETS_DIR", str(root))
    monkeypatch.delenv("SWITCHYARD_S3_ENDPOINT_URL", raising=False)
    return root


@pytest.fixture
def run(sfn, make_state_machine):
    counter = iter(range(100))

    def run(states: dict, start: str, input: dict | None = None) -> dict:
        arn = make_state_machine(f"s3-{next(counter)}", json.dumps({"StartAt": start, "States": states}))
        started = sfn.start_execution(stateMachineArn=arn, input=json.dumps(input or {}))
        return wait_for_end(sfn, started["executionArn"])

    return run


def test_put_head_get_copy_list_and_delete_on_a_folder_bucket(buckets, run):
    states = {
        "Put": _task("putObject", {"Bucket": "docs", "Key": "notes/a.txt", "Body.$": "$.text"}, "$.put", "Head"),
        "Head": _task("headObject", {"Bucket": "docs", "Key": "notes/a.txt"}, "$.head", "Get"),
        "Get": _task("getObject", {"Bucket": "docs", "Key": "notes/a.txt"}, "$.get", "Copy"),
        "Copy": _task("copyObject", {"Bucket": "archive", "Key": "2024/a.txt", "CopySource": "docs/notes/a.txt"},
                      "$.copy", "List"),
        "List": _task("listObjectsV2", {"Bucket": "archive", "Prefix": "2024/"}, "$.list", "Delete"),
        "Delete": _task("deleteObject", {"Bucket": "docs", "Key": "notes/a.txt"}, "$.delete", None),
    }
    out = run(states, "Put", {"text": "hello, bucket"})
    assert out["status"] == "SUCCEEDED", out
    result = json.loads(out["output"])
    expected_etag = '"' + hashlib.md5(b"hello, bucket").hexdigest() + '"'
    assert result["put"]["ETag"] == expected_etag
    assert result["head"]["ContentLength"] == 13 and result["head"]["ETag"] == expected_etag
    assert result["head"]["ContentType"] == "text/plain"
    assert result["get"]["Body"] == "hello, bucket"
    assert result["copy"]["CopyObjectResult"]["ETag"] == expected_etag
    listed = result["list"]
    assert [c["Key"] for c in listed["Contents"]] == ["2024/a.txt"]
    assert (listed["KeyCount"], listed["IsTruncated"], listed["Name"]) == (1, False, "archive")
    assert (buckets / "archive" / "2024" / "a.txt").read_text() == "hello, bucket"
    assert not (buckets / "docs" / "notes" / "a.txt").exists()
    assert result["delete"] == {}


def test_list_objects_v2_pages_and_groups_by_delimiter(buckets, run):
    for key in ("a/1", "a/2", "b", "c", "d/x/y"):
        path = buckets / "docs" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key)
    states = {
        "First": _task("listObjectsV2", {"Bucket": "docs", "Delimiter": "/", "MaxKeys": 2}, "$.first", "Next"),
        "Next": _task("listObjectsV2", {"Bucket": "docs", "Delimiter": "/", "MaxKeys": 2,
                                        "ContinuationToken.$": "$.first.NextContinuationToken"}, "$.next", None),
    }
    result = json.loads(run(states, "First")["output"])
    first, second = result["first"], result["next"]
    assert first["CommonPrefixes"] == [{"Prefix": "a/"}] and [c["Key"] for c in first["Contents"]] == ["b"]
    assert first["IsTruncated"] is True
    assert [c["Key"] for c in second["Contents"]] == ["c"] and second["CommonPrefixes"] == [{"Prefix": "d/"}]
    assert second["IsTruncated"] is False and "NextContinuationToken" not in second


@pytest.mark.parametrize("action,parameters,error", [
    ("getObject", {"Bucket": "docs", "Key": "missing.txt"}, "S3.NoSuchKeyException"),
    ("headObject", {"Bucket": "docs", "Key": "missing.txt"}, "S3.NoSuchKeyException"),
    ("copyObject", {"Bucket": "docs", "Key": "x", "CopySource": "docs/missing.txt"}, "S3.NoSuchKeyException"),
    ("putObject", {"Bucket": "no-such-bucket", "Key": "k", "Body": "x"}, "S3.NoSuchBucketException"),
])
def test_missing_objects_and_buckets_fail_with_s3_error_names_that_catch_matches(buckets, run, action, parameters,
                                                                                  error):
    states = {"Call": {**_task(action, parameters, "$.r", None),
                       "Catch": [{"ErrorEquals": [error], "ResultPath": "$.caught", "Next": "Caught"}]},
              "Caught": {"Type": "Pass", "End": True}}
    out = run(states, "Call")
    assert out["status"] == "SUCCEEDED", out
    assert json.loads(out["output"])["caught"]["Error"] == error


def test_an_s3_endpoint_setting_sends_s3_tasks_to_boto3_instead(buckets, run, monkeypatch):
    monkeypatch.setenv("SWITCHYARD_S3_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    (buckets / "docs" / "here.txt").write_text("local")
    out = run({"Get": _task("getObject", {"Bucket": "docs", "Key": "here.txt"}, "$.r", None)}, "Get")
    assert out["status"] == "FAILED"
    assert out["error"] == "S3.SdkClientException"
