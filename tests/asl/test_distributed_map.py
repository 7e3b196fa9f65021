"""The Distributed Map in the interpreter, with a fake reader and writer: JSONata fields, lazy
reading, and the definitions it refuses."""
from __future__ import annotations

import asyncio
import json

import pytest

from executor.asl import DefinitionError, Execution, Hooks, StatesError, parse_definition

from .engine import info_for

DISTRIBUTED = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
ECHO = {"ProcessorConfig": DISTRIBUTED, "StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}


class FakeBuckets:
    """Items handed out one at a time (counting how many were taken), and results kept."""

    def __init__(self, items):
        self.items = items
        self.taken = 0
        self.requests: list[tuple[str, dict]] = []
        self.written: list[dict] = []

    def read_items(self, resource: str, request: dict):
        self.requests.append((resource, request))
        for item in self.items:
            self.taken += 1
            yield item

    def write_results(self, resource: str, request: dict) -> dict:
        self.written.append(request)
        return {"Bucket": request["Parameters"]["Bucket"], "Key": "k/manifest.json"}


def execute(map_state: dict, value=None, buckets: FakeBuckets | None = None):
    definition = {"StartAt": "Fan", "States": {"Fan": {"Type": "Map", "End": True, **map_state}}}
    events: list[dict] = []
    hooks = Hooks(invoke=None, on_event=events.append)
    if buckets is not None:
        hooks.read_items, hooks.write_results = buckets.read_items, buckets.write_results
    execution = Execution(parse_definition(json.dumps(definition)), info_for(value or {}), hooks)
    return asyncio.run(execution.run()), events


def test_jsonata_arguments_and_max_items_reach_the_reader():
    buckets = FakeBuckets(list(range(10)))
    state = {"QueryLanguage": "JSONata", "ItemProcessor": ECHO,
             "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                            "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% $states.input.n %}"},
                            "Arguments": {"Bucket": "in", "Key": "{% $states.input.year & '/data.json' %}"}}}
    outcome, events = execute(state, {"year": "2024", "n": 3}, buckets)
    assert outcome.status == "SUCCEEDED" and outcome.output == [0, 1, 2]
    assert buckets.requests == [("arn:aws:states:::s3:getObject",
                                 {"Parameters": {"Bucket": "in", "Key": "2024/data.json"},
                                  "ReaderConfig": {"InputType": "JSON"}})]
    started = [e for e in events if e["type"] == "MapStateStarted"]
    assert started[0]["mapStateStartedEventDetails"] == {"length": 0}  # not known before reading


def test_jsonata_item_selector_and_batcher_expressions():
    state = {"QueryLanguage": "JSONata", "Items": "{% $states.input.xs %}", "ItemProcessor": ECHO,
             "ItemSelector": {"v": "{% $states.context.Map.Item.Value * 10 %}", "tag": "{% $states.input.tag %}"},
             "ItemBatcher": {"MaxItemsPerBatch": "{% $states.input.size %}",
                             "BatchInput": {"n": "{% $count($states.input.xs) %}"}}}
    outcome, _ = execute(state, {"xs": [1, 2, 3], "tag": "t", "size": 2})
    assert outcome.status == "SUCCEEDED", outcome
    assert outcome.output == [{"Items": [{"v": 10, "tag": "t"}, {"v": 20, "tag": "t"}], "BatchInput": {"n": 3}},
                              {"Items": [{"v": 30, "tag": "t"}], "BatchInput": {"n": 3}}]


def test_the_reader_is_read_only_as_far_as_the_map_gets():
    """A failure on the first item stops the run: the rest of a long reader is never read (it is
    taken a chunk of 64 at a time, off the loop)."""
    buckets = FakeBuckets([{"bad": True}] + [{"bad": False}] * 10_000)
    child = {"ProcessorConfig": DISTRIBUTED, "StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.bad", "BooleanEquals": True, "Next": "Boom"}],
                  "Default": "Fine"},
        "Boom": {"Type": "Fail", "Error": "Bad"}, "Fine": {"Type": "Pass", "End": True}}}
    state = {"MaxConcurrency": 2, "ItemProcessor": child,
             "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSONL"},
                            "Parameters": {"Bucket": "in", "Key": "k"}}}
    outcome, events = execute(state, {}, buckets)
    assert (outcome.status, outcome.error) == ("FAILED", "Bad")
    assert buckets.taken <= 3 * 64
    assert [e["type"] for e in events][-3:] == ["MapRunFailed", "MapStateFailed", "ExecutionFailed"]


def test_a_jsonata_item_selector_shapes_items_read_off_the_loop():
    buckets = FakeBuckets([{"k": f"key-{i}"} for i in range(150)])
    state = {"QueryLanguage": "JSONata", "ItemProcessor": ECHO,
             "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "Arguments": {"Bucket": "in"}},
             "ItemSelector": {"key": "{% $states.context.Map.Item.Value.k %}",
                              "i": "{% $states.context.Map.Item.Index %}"},
             "ItemBatcher": {"MaxItemsPerBatch": 100}}
    outcome, _ = execute(state, {}, buckets)
    assert outcome.status == "SUCCEEDED", outcome
    assert [len(b["Items"]) for b in outcome.output] == [100, 50]
    assert outcome.output[1]["Items"][-1] == {"key": "key-149", "i": 149}


def test_a_reader_failure_after_some_items_is_item_reader_failed():
    def broken(resource, request):
        yield 1
        raise StatesError("States.ItemReaderFailed", "line 2 is not valid JSON")

    buckets = FakeBuckets([])
    buckets.read_items = broken
    state = {"ItemProcessor": ECHO,
             "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSONL"},
                            "Parameters": {"Bucket": "in", "Key": "k"}}}
    outcome, _ = execute(state, {}, buckets)
    assert (outcome.status, outcome.error, outcome.cause) == ("FAILED", "States.ItemReaderFailed",
                                                              "line 2 is not valid JSON")


def test_result_writer_parameters_and_output_type_reach_the_writer():
    buckets = FakeBuckets([])
    state = {"ItemsPath": "$.xs", "ItemProcessor": ECHO,
             "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                              "Parameters": {"Bucket": "out", "Prefix.$": "$.prefix"},
                              "WriterConfig": {"OutputType": "JSONL", "Transformation": "COMPACT"}}}
    outcome, _ = execute(state, {"xs": [1, 2], "prefix": "p"}, buckets)
    assert outcome.output["ResultWriterDetails"] == {"Bucket": "out", "Key": "k/manifest.json"}
    request = buckets.written[0]
    assert request["Parameters"] == {"Bucket": "out", "Prefix": "p"} and request["OutputType"] == "JSONL"
    assert request["Results"] == {"SUCCEEDED": [1, 2], "FAILED": [], "PENDING": []}
    assert request["MapRunArn"] == outcome.output["MapRunArn"]


@pytest.mark.parametrize("fields,message", [
    ({"ItemBatcher": {"BatchInput": {}}}, "at least one of MaxItemsPerBatch"),
    ({"ItemBatcher": {"MaxItemsPerBatch": 0}}, "must be at least 1"),
    ({"ItemBatcher": {"MaxInputBytesPerBatch": 300_000}}, "must be at most 262144"),
    ({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b", "Key": "k"}}},
     "'InputType' is required"),
    ({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "XML"},
                     "Parameters": {"Bucket": "b", "Key": "k"}}}, "InputType"),
    ({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                     "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN"},
                     "Parameters": {"Bucket": "b", "Key": "k"}}}, "CSVHeaders"),
    ({"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject"}}, "both 'Resource' and 'Parameters'"),
    ({"ResultWriter": {"WriterConfig": {"OutputType": "CSV"}}}, "OutputType"),
])
def test_bad_map_io_fields_are_refused_with_their_location(fields, message):
    definition = {"StartAt": "Fan", "States": {"Fan": {"Type": "Map", "End": True, "ItemProcessor": ECHO, **fields}}}
    with pytest.raises(DefinitionError) as raised:
        parse_definition(json.dumps(definition))
    problems = raised.value.problems
    assert any(message in p.message and p.path.startswith("/States/Fan/") for p in problems), problems
