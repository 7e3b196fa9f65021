"""The folder-bucket ItemReader read lazily: a JSON array across read chunks, and no whole-file read."""
from __future__ import annotations

import json

import pytest

from executor.resources import ResourceFailure
from executor.resources.bucket_items import read_items


@pytest.fixture
def bucket(tmp_path, monkeypatch):
    monkeypatch.setenv("SWITCHYARD_BUCKETS_DIR", str(tmp_path))
    (tmp_path / "in").mkdir()
    return tmp_path / "in"


def _json(key: str) -> dict:
    return {"Parameters": {"Bucket": "in", "Key": key}, "ReaderConfig": {"InputType": "JSON"}}


def test_a_json_array_larger_than_a_read_chunk_is_decoded_exactly(bucket):
    # numbers, strings with brackets and commas, nested values: some fall across the 64 KiB chunk ends
    items = [i * 1001 if i % 3 else {"s": f"[{i}],", "n": [i, {"x": "]"}]} for i in range(40_000)]
    (bucket / "big.json").write_text(" [ " + " ,\n".join(json.dumps(x) for x in items) + " ] \n")
    assert list(read_items("arn:aws:states:::s3:getObject", _json("big.json"))) == items


def test_the_first_items_come_before_the_rest_of_a_broken_file_is_read(bucket):
    (bucket / "tail.json").write_text("[1, 2, " + " " * 300_000 + "oops]")
    items = read_items("arn:aws:states:::s3:getObject", _json("tail.json"))
    assert [next(items), next(items)] == [1, 2]
    with pytest.raises(ResourceFailure) as raised:
        next(items)
    assert raised.value.error == "States.ItemReaderFailed" and "item 2 is not valid JSON" in raised.value.cause


def test_an_empty_array_has_no_items_and_trailing_commas_are_refused(bucket):
    (bucket / "empty.json").write_text("[ ]")
    (bucket / "comma.json").write_text("[1,]")
    assert list(read_items("arn:aws:states:::s3:getObject", _json("empty.json"))) == []
    with pytest.raises(ResourceFailure):
        list(read_items("arn:aws:states:::s3:getObject", _json("comma.json")))
