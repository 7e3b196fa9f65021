"""A Distributed Map over local folder buckets, through boto3: ItemReader formats, ItemBatcher,
tolerated failures and the ResultWriter's files."""
from __future__ import annotations

import gzip
import json

import pytest

from tests.api.conftest import wait_for_end

DISTRIBUTED = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
ECHO = {"ProcessorConfig": DISTRIBUTED, "StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
# A child fails when its item says so: a Choice and a Fail, no handler needed.
FAIL_WHEN_ASKED = {"ProcessorConfig": DISTRIBUTED, "StartAt": "Check", "States": {
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "StringEquals": "yes", "Next": "Boom"}],
              "Default": "Fine"},
    "Boom": {"Type": "Fail", "Error": "Item.Bad", "Cause": "asked to fail"},
    "Fine": {"Type": "Pass", "End": True}}}


@pytest.fixture
def buckets(tmp_path, monkeypatch):
    """An empty buckets folder, SWITCHYARD_BUCKETS_DIR pointing at it."""
    root = tmp_path / "buckets"
    root.mkdir()
    monkeypatch.setenv("SWITCHYARD_BUCKETS_DIR", str(root))

    def put(bucket: str, key: str, data: str | bytes) -> None:
        path = root / bucket / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)

    put.root = root
    return put


@pytest.fixture
def run(sfn, make_state_machine):
    counter = iter(range(1000))

    def run(map_state: dict, input: dict | None = None) -> dict:
        definition = {"StartAt": "Fan", "States": {"Fan": {"Type": "Map", "End": True, **map_state}}}
        arn = make_state_machine(f"dm{next(counter)}", json.dumps(definition))
        started = sfn.start_execution(stateMachineArn=arn, input=json.dumps(input or {}))
        return wait_for_end(sfn, started["executionArn"], timeout=60)

    return run


def reader(input_type: str | None, key: str = "data", **config) -> dict:
    reader_config = {"InputType": input_type, **config} if input_type else config
    return {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": reader_config,
            "Parameters": {"Bucket": "in", "Key": key}}


def test_a_json_array_object_is_read_item_by_item(buckets, run):
    buckets("in", "data", json.dumps([{"n": i, "s": "x" * (i % 7)} for i in range(300)]))
    out = run({"ItemReader": reader("JSON"), "ItemProcessor": ECHO})
    assert out["status"] == "SUCCEEDED", out
    assert json.loads(out["output"]) == [{"n": i, "s": "x" * (i % 7)} for i in range(300)]


def test_jsonl_lines_are_items_and_max_items_stops_the_reading(buckets, run):
    buckets("in", "data.jsonl", "".join(json.dumps({"line": i}) + "\n" for i in range(50)))
    config = {"MaxItems": 7}
    out = run({"ItemReader": reader("JSONL", key="data.jsonl", **config), "ItemProcessor": ECHO})
    assert json.loads(out["output"]) == [{"line": i} for i in range(7)]


def test_max_items_path_reads_the_limit_from_the_input(buckets, run):
    buckets("in", "data.jsonl", "".join(json.dumps(i) + "\n" for i in range(20)))
    out = run({"ItemReader": reader("JSONL", key="data.jsonl", MaxItemsPath="$.limit"), "ItemProcessor": ECHO},
              {"limit": 3})
    assert json.loads(out["output"]) == [0, 1, 2]


def test_csv_with_the_header_in_the_first_row_gives_objects_of_strings(buckets, run):
    buckets("in", "rows.csv", 'id,name,score\n1,ada,"9,5"\n2,"bob ""b""",7\n')
    out = run({"ItemReader": reader("CSV", key="rows.csv", CSVHeaderLocation="FIRST_ROW"), "ItemProcessor": ECHO})
    assert json.loads(out["output"]) == [{"id": "1", "name": "ada", "score": "9,5"},
                                         {"id": "2", "name": 'bob "b"', "score": "7"}]


@pytest.mark.parametrize("name,char", [("PIPE", "|"), ("SEMICOLON", ";"), ("TAB", "\t"), ("SPACE", " ")])
def test_csv_with_given_headers_and_another_delimiter(buckets, run, name, char):
    buckets("in", "rows.txt", f"1{char}a\n2{char}b\n")
    config = {"CSVHeaderLocation": "GIVEN", "CSVHeaders": ["id", "letter"], "CSVDelimiter": name}
    out = run({"ItemReader": reader("CSV", key="rows.txt", **config), "ItemProcessor": ECHO})
    assert json.loads(out["output"]) == [{"id": "1", "letter": "a"}, {"id": "2", "letter": "b"}]


def test_an_s3_inventory_manifest_lists_the_rows_of_its_gzipped_csv_files(buckets, run):
    buckets("inv", "data/part-1.csv.gz", gzip.compress(b'"src","a.txt","10"\n"src","b.txt","20"\n'))
    buckets("inv", "data/part-2.csv.gz", gzip.compress(b'"src","c.txt","30"\n'))
    manifest = {"sourceBucket": "src", "destinationBucket": "arn:aws:s3:::inv", "fileFormat": "CSV",
                "fileSchema": "Bucket, Key, Size",
                "files": [{"key": "data/part-1.csv.gz", "size": 1, "MD5checksum": "x"},
                          {"key": "data/part-2.csv.gz", "size": 1, "MD5checksum": "y"}]}
    buckets("in", "inventory/manifest.json", json.dumps(manifest))
    out = run({"ItemReader": reader("MANIFEST", key="inventory/manifest.json"), "ItemProcessor": ECHO})
    assert json.loads(out["output"]) == [{"Bucket": "src", "Key": "a.txt", "Size": "10"},
                                         {"Bucket": "src", "Key": "b.txt", "Size": "20"},
                                         {"Bucket": "src", "Key": "c.txt", "Size": "30"}]


def test_list_objects_v2_gives_each_object_under_the_prefix_in_key_order(buckets, run):
    buckets("in", "docs/b.txt", "bb")
    buckets("in", "docs/a-1.txt", "a")
    buckets("in", "docs/a/deep.txt", "deep")
    buckets("in", "other/skip.txt", "no")
    state = {"ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2",
                            "Parameters": {"Bucket": "in", "Prefix": "docs/"}}, "ItemProcessor": ECHO}
    items = json.loads(run(state)["output"])
    assert [i["Key"] for i in items] == ["docs/a-1.txt", "docs/a/deep.txt", "docs/b.txt"]
    assert [i["Size"] for i in items] == [1, 4, 2]
    assert items[0]["Etag"] == '"0cc175b9c0f1b6a831c399e269772661"'  # MD5 of "a", quoted as S3 does
    assert set(items[0]) == {"Etag", "Key", "LastModified", "Size", "StorageClass"}
    assert items[0]["StorageClass"] == "STANDARD" and isinstance(items[0]["LastModified"], int)


@pytest.mark.parametrize("key,data,config,cause", [
    ("missing.json", None, {"InputType": "JSON"}, "does not exist"),
    ("bad.csv", "a,b\n1,2,3\n", {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}, "has 3 fields"),
    ("object.json", '{"not": "an array"}', {"InputType": "JSON"}, "not a JSON array"),
    ("broken.jsonl", '{"ok": 1}\n{broken\n', {"InputType": "JSONL"}, "line 2 is not valid JSON"),
])
def test_a_reader_failure_is_item_reader_failed_with_the_reason(buckets, run, sfn, key, data, config, cause):
    if data is not None:
        buckets("in", key, data)
    state = {"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": config,
                            "Parameters": {"Bucket": "in", "Key": key}}, "ItemProcessor": ECHO}
    out = run(state)
    assert out["status"] == "FAILED"
    assert out["error"] == "States.ItemReaderFailed"
    assert cause in out["cause"]
    events = sfn.get_execution_history(executionArn=out["executionArn"])["events"]
    failed = [e for e in events if e["type"] == "MapRunFailed"]
    assert failed and failed[0]["mapRunFailedEventDetails"]["error"] == "States.ItemReaderFailed"


def test_batches_by_count_carry_the_batch_input(buckets, run):
    buckets("in", "data", json.dumps(list(range(10))))
    state = {"ItemReader": reader("JSON"), "ItemProcessor": ECHO,
             "ItemBatcher": {"MaxItemsPerBatch": 4, "BatchInput": {"run.$": "$.run", "fixed": 1}}}
    out = run(state, {"run": "r1"})
    assert json.loads(out["output"]) == [
        {"Items": [0, 1, 2, 3], "BatchInput": {"run": "r1", "fixed": 1}},
        {"Items": [4, 5, 6, 7], "BatchInput": {"run": "r1", "fixed": 1}},
        {"Items": [8, 9], "BatchInput": {"run": "r1", "fixed": 1}}]


def test_batches_by_bytes_keep_each_child_input_under_the_limit(buckets, run):
    words = [f"word-{i:03d}" for i in range(40)]  # 10 bytes each as JSON strings
    buckets("in", "data", json.dumps(words))
    state = {"ItemReader": reader("JSON"), "ItemProcessor": ECHO,
             "ItemBatcher": {"MaxInputBytesPerBatchPath": "$.bytes"}}
    batches = json.loads(run(state, {"bytes": 100})["output"])
    assert [w for b in batches for w in b["Items"]] == words
    assert all(len(json.dumps(b, separators=(",", ":")).encode()) <= 100 for b in batches)
    # a batch is filled before the next starts: {"Items":[...]} with 8 words is 98 bytes, with 9 it is 109
    assert [len(b["Items"]) for b in batches] == [8, 8, 8, 8, 8]


def test_item_selector_shapes_each_item_before_batching(run):
    state = {"ItemsPath": "$.xs", "ItemProcessor": ECHO, "ItemBatcher": {"MaxItemsPerBatch": 2},
             "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "tag.$": "$.tag"}}
    out = run(state, {"xs": ["a", "b", "c"], "tag": "t"})
    assert json.loads(out["output"]) == [
        {"Items": [{"value": "a", "index": 0, "tag": "t"}, {"value": "b", "index": 1, "tag": "t"}]},
        {"Items": [{"value": "c", "index": 2, "tag": "t"}]}]


def _items(n_bad: int, n: int = 10) -> list:
    return [{"i": i, "fail": "yes" if i < n_bad else "no"} for i in range(n)]


@pytest.mark.parametrize("tolerance,n_bad,status", [
    ({"ToleratedFailurePercentage": 30}, 3, "SUCCEEDED"),
    ({"ToleratedFailurePercentage": 30}, 4, "FAILED"),
    ({"ToleratedFailureCount": 2}, 2, "SUCCEEDED"),
    ({"ToleratedFailureCountPath": "$.allowed"}, 3, "FAILED"),
    ({"ToleratedFailurePercentagePath": "$.pct"}, 2, "SUCCEEDED"),
    ({"ToleratedFailurePercentagePath": "$.pct"}, 3, "FAILED"),
])
def test_tolerated_failures_below_and_above_the_threshold(buckets, run, tolerance, n_bad, status):
    buckets("in", "data.jsonl", "".join(json.dumps(x) + "\n" for x in _items(n_bad)))
    state = {"ItemReader": reader("JSONL", key="data.jsonl"), "ItemProcessor": FAIL_WHEN_ASKED, **tolerance}
    out = run(state, {"allowed": 2, "pct": 20})
    assert out["status"] == status, out
    if status == "FAILED":
        assert out["error"] == "States.ExceedToleratedFailureThreshold"
    else:
        results = json.loads(out["output"])
        assert results[n_bad:] == [{"i": i, "fail": "no"} for i in range(n_bad, 10)]


def test_without_a_tolerance_one_failed_child_fails_the_map_with_its_error(run):
    out = run({"ItemsPath": "$.xs", "ItemProcessor": FAIL_WHEN_ASKED}, {"xs": _items(1)})
    assert (out["status"], out["error"], out["cause"]) == ("FAILED", "Item.Bad", "asked to fail")


def _read_bucket(root, bucket: str, key: str):
    return json.loads((root / bucket / key).read_text())


def test_result_writer_writes_the_manifest_and_files_aws_lays_out(buckets, run):
    buckets("in", "data.jsonl", "".join(json.dumps(x) + "\n" for x in _items(2, n=5)))
    state = {"ItemReader": reader("JSONL", key="data.jsonl"), "ItemProcessor": FAIL_WHEN_ASKED,
             "ToleratedFailureCount": 2, "Label": "Files",
             "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                              "Parameters": {"Bucket": "out", "Prefix": "runs/daily"}}}
    out = run(state)
    assert out["status"] == "SUCCEEDED", out
    output = json.loads(out["output"])
    run_arn = output["MapRunArn"]
    run_id = run_arn.rsplit(":", 1)[-1]
    assert ":mapRun:" in run_arn and "/Files:" in run_arn
    assert output["ResultWriterDetails"] == {"Bucket": "out", "Key": f"runs/daily/{run_id}/manifest.json"}
    manifest = _read_bucket(buckets.root, "out", f"runs/daily/{run_id}/manifest.json")
    assert manifest["DestinationBucket"] == "out" and manifest["MapRunArn"] == run_arn
    files = manifest["ResultFiles"]
    assert [f["Key"] for f in files["SUCCEEDED"]] == [f"runs/daily/{run_id}/SUCCEEDED_0.json"]
    assert [f["Key"] for f in files["FAILED"]] == [f"runs/daily/{run_id}/FAILED_0.json"]
    assert files["PENDING"] == []
    succeeded = _read_bucket(buckets.root, "out", files["SUCCEEDED"][0]["Key"])
    assert files["SUCCEEDED"][0]["Size"] == (buckets.root / "out" / files["SUCCEEDED"][0]["Key"]).stat().st_size
    assert [json.loads(e["Output"]) for e in succeeded] == [{"i": i, "fail": "no"} for i in (2, 3, 4)]
    first = succeeded[0]
    assert first["Status"] == "SUCCEEDED" and first["Input"] == first["Output"]
    assert first["ExecutionArn"].startswith(out["stateMachineArn"].replace(":stateMachine:", ":execution:")
                                            + "/Files:")
    assert first["StateMachineArn"] == out["stateMachineArn"] + "/Files"
    for field in ("InputDetails", "OutputDetails", "Name", "StartDate", "StopDate", "RedriveCount"):
        assert field in first
    failed = _read_bucket(buckets.root, "out", files["FAILED"][0]["Key"])
    assert [(e["Status"], e["Error"], e["Cause"]) for e in failed] == [("FAILED", "Item.Bad", "asked to fail")] * 2
    assert "Output" not in failed[0]


@pytest.mark.parametrize("transformation,expected", [
    ("COMPACT", [[1, 2], [3], []]),
    ("FLATTEN", [1, 2, 3]),
])
def test_writer_config_compact_and_flatten_in_jsonl(buckets, run, transformation, expected):
    state = {"ItemsPath": "$.xs", "ItemProcessor": ECHO,
             "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                              "Parameters": {"Bucket": "out", "Prefix": "p"},
                              "WriterConfig": {"OutputType": "JSONL", "Transformation": transformation}}}
    out = run(state, {"xs": [[1, 2], [3], []]})
    manifest = _read_bucket(buckets.root, "out", json.loads(out["output"])["ResultWriterDetails"]["Key"])
    key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
    assert key.endswith("SUCCEEDED_0.jsonl")
    lines = (buckets.root / "out" / key).read_text().splitlines()
    assert [json.loads(line) for line in lines] == expected


def test_writer_config_alone_formats_the_state_output(run):
    state = {"ItemsPath": "$.xs", "ItemProcessor": ECHO,
             "ResultWriter": {"WriterConfig": {"OutputType": "JSON", "Transformation": "FLATTEN"}}}
    assert json.loads(run(state, {"xs": [[1], [2, 3]]})["output"]) == [1, 2, 3]


def test_results_are_written_when_the_threshold_fails_the_map(buckets, run):
    state = {"ItemsPath": "$.xs", "ItemProcessor": FAIL_WHEN_ASKED, "ToleratedFailureCount": 0, "MaxConcurrency": 1,
             "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out"}}}
    out = run(state, {"xs": _items(1, n=3)})
    assert out["error"] == "States.ExceedToleratedFailureThreshold"
    manifests = list((buckets.root / "out").glob("*/manifest.json"))
    assert len(manifests) == 1
    files = json.loads(manifests[0].read_text())["ResultFiles"]
    assert len(files["FAILED"]) == 1


def test_a_result_writer_that_cannot_write_fails_with_result_writer_failed(buckets, run):
    (buckets.root / "out").write_text("a file where the bucket's folder should be")
    state = {"ItemsPath": "$.xs", "ItemProcessor": ECHO,
             "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out"}}}
    out = run(state, {"xs": [1]})
    assert (out["status"], out["error"]) == ("FAILED", "States.ResultWriterFailed")


def test_an_item_reader_in_an_inline_map_is_refused_at_creation(sfn):
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "End": True, "ItemReader": reader("JSON"),
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}
    with pytest.raises(sfn.exceptions.InvalidDefinition) as raised:
        sfn.create_state_machine(name="inline", definition=json.dumps(definition),
                                 roleArn="arn:aws:iam::123456789012:role/test")
    assert "DISTRIBUTED" in str(raised.value)
