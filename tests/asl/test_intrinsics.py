"""Every intrinsic function, nested calls, string escapes and States.IntrinsicFailure."""
from __future__ import annotations

import base64
import hashlib
import json
import uuid

import pytest

from executor.asl import DefinitionError, parse_definition
from executor.asl.errors import STATES_INTRINSIC_FAILURE, StatesError
from executor.asl.intrinsics import IntrinsicSyntaxError, compile_intrinsic

from .engine import run, single

DOC = {"a": 1, "b": "x", "o1": {"a": 1, "b": {"c": 1}}, "o2": {"b": 2}, "list": [3, 1, 3, 2], "text": "plain",
       "json": "{\"k\":[1,2]}"}


def call(text, doc=DOC):
    return compile_intrinsic(text)(doc, None)


def failure(text, doc=DOC) -> StatesError:
    with pytest.raises(StatesError) as info:
        call(text, doc)
    return info.value


@pytest.mark.parametrize("text, expected", [
    ("States.Format('Hello, {}', 'World')", "Hello, World"),
    ("States.Format('{} and {}', $.a, $.b)", "1 and x"),
    ("States.Format('plain')", "plain"),
    ("States.Format('{}', $.o1)", "{a=1, b={c=1}}"),
    ("States.Format('{}', true)", "true"),
    ("States.Format('{}', null)", "null"),
    ("States.Format('{}', $.list)", "[3, 1, 3, 2]"),
    ("States.StringToJson($.json)", {"k": [1, 2]}),
    ("States.StringToJson('[1,\"two\"]')", [1, "two"]),
    ("States.JsonToString($.o1)", '{"a":1,"b":{"c":1}}'),
    ("States.Array(1, 'two', $.a, true, null)", [1, "two", 1, True, None]),
    ("States.Array()", []),
    ("States.ArrayPartition($.list, 3)", [[3, 1, 3], [2]]),
    ("States.ArrayPartition(States.Array(), 2)", []),
    ("States.ArrayContains($.list, 2)", True),
    ("States.ArrayContains($.list, 9)", False),
    ("States.ArrayContains(States.Array(1), true)", False),
    ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
    ("States.ArrayRange(5, 1, -2)", [5, 3, 1]),
    ("States.ArrayGetItem($.list, 1)", 1),
    ("States.ArrayLength($.list)", 4),
    ("States.ArrayUnique($.list)", [3, 1, 2]),
    ("States.Base64Encode('Data to encode')", "RGF0YSB0byBlbmNvZGU="),
    ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),
    ("States.Hash('input data', 'SHA-256')", hashlib.sha256(b"input data").hexdigest()),
    ("States.Hash('input data', 'MD5')", hashlib.md5(b"input data").hexdigest()),
    ("States.Hash('input data', 'SHA-1')", hashlib.sha1(b"input data").hexdigest()),
    ("States.Hash('input data', 'SHA-384')", hashlib.sha384(b"input data").hexdigest()),
    ("States.Hash('input data', 'SHA-512')", hashlib.sha512(b"input data").hexdigest()),
    ("States.JsonMerge($.o1, $.o2, false)", {"a": 1, "b": 2}),
    ("States.MathAdd(111, -1)", 110),
    ("States.MathAdd($.a, 41)", 42),
    ("States.StringSplit('1,2,3', ',')", ["1", "2", "3"]),
    ("States.StringSplit('a-b+c', '-+')", ["a", "b", "c"]),
])
def test_each_intrinsic_returns_what_aws_documents(text, expected):
    assert call(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("States.Format('{} items', States.ArrayLength(States.Array(1, 2, 3)))", "3 items"),
    ("States.ArrayGetItem(States.ArrayPartition(States.ArrayRange(1, 6, 1), 2), 2)", [5, 6]),
    ("States.Base64Decode(States.Base64Encode(States.JsonToString($.o2)))", '{"b":2}'),
    ("States.StringToJson(States.JsonToString(States.Array($.a, $.b)))", [1, "x"]),
    ("States.MathAdd(States.ArrayLength($.list), States.MathAdd(1, 1))", 6),
])
def test_intrinsics_nest_inside_one_another(text, expected):
    assert call(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("States.Format('it\\'s {}', 'x')", "it's x"),
    ("States.Format('\\{\\} is literal, {} is not', 1)", "{} is literal, 1 is not"),
    ("States.Format('back\\\\slash')", "back\\slash"),
    ("States.Array('a,b', 'c)d')", ["a,b", "c)d"]),
    ("States.Format('{}', ' spaced ')", " spaced "),
])
def test_string_literals_honour_backslash_escapes(text, expected):
    assert call(text) == expected


def test_math_random_stays_in_its_range_and_is_repeatable_with_a_seed():
    values = {call("States.MathRandom(1, 5)") for _ in range(200)}
    assert values <= {1, 2, 3, 4} and len(values) > 1
    assert call("States.MathRandom(1, 1000, 7)") == call("States.MathRandom(1, 1000, 7)")


def test_uuid_returns_a_fresh_version_4_uuid_each_call():
    first, second = call("States.UUID()"), call("States.UUID()")
    assert uuid.UUID(first).version == 4 and first != second


@pytest.mark.parametrize("text", [
    "States.Format('{} {}', 1)",
    "States.Format('{}', 1, 2)",
    "States.Format($.a)",
    "States.StringToJson('not json')",
    "States.StringToJson($.a)",
    "States.ArrayPartition($.list, 0)",
    "States.ArrayPartition($.text, 2)",
    "States.ArrayRange(1, 5, 0)",
    "States.ArrayRange(0, 2000, 1)",
    "States.ArrayGetItem($.list, 4)",
    "States.ArrayGetItem($.list, -1)",
    "States.ArrayLength($.text)",
    "States.ArrayUnique($.a)",
    "States.ArrayContains($.a, 1)",
    "States.Base64Decode('***')",
    "States.Base64Encode($.a)",
    "States.Hash('x', 'SHA-3')",
    "States.Hash(null, 'MD5')",
    "States.JsonMerge($.o1, $.a, false)",
    "States.JsonMerge($.o1, $.o2, true)",
    "States.MathRandom(5, 1)",
    "States.MathAdd('1', 2)",
    "States.MathAdd(1)",
    "States.StringSplit($.a, ',')",
    "States.UUID(1)",
    "States.JsonToString()",
])
def test_bad_arguments_fail_with_states_intrinsic_failure(text):
    assert failure(text).error == STATES_INTRINSIC_FAILURE


def test_a_path_argument_that_selects_nothing_fails_the_state_with_states_runtime():
    assert failure("States.Format('{}', $.missing)").error == "States.Runtime"


@pytest.mark.parametrize("text", ["States.Nope(1)", "States.Format(", "States.Format('x'", "States.Format('x') tail",
                                  "States.Format('unterminated)", "States.Array(1 2)", "States.Format($.[)",
                                  "Format('x')"])
def test_malformed_calls_are_syntax_errors(text):
    with pytest.raises(IntrinsicSyntaxError):
        compile_intrinsic(text)


def test_a_malformed_call_in_parameters_rejects_the_definition_at_its_field():
    with pytest.raises(DefinitionError) as info:
        parse_definition(json.dumps(single({"Type": "Pass", "Parameters": {"x.$": "States.Nope(1)"}})))
    assert [p.path for p in info.value.problems] == ["/States/S/Parameters/x.$"]


def test_intrinsics_in_parameters_see_the_input_and_the_context_object():
    definition = single({"Type": "Pass", "Parameters": {
        "greeting.$": "States.Format('{} ran {}', $$.Execution.Name, $.who)",
        "encoded.$": "States.Base64Encode($.who)",
    }})
    result = run(definition, {"who": "me"})
    assert result.outcome.output == {"greeting": "run-1 ran me", "encoded": base64.b64encode(b"me").decode()}


def test_an_intrinsic_failure_at_run_time_fails_the_execution_and_can_be_caught():
    definition = {"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"x.$": "States.ArrayGetItem($.list, 9)"}, "End": True},
    }}
    failed = run(definition, {"list": [1]})
    assert (failed.outcome.status, failed.outcome.error) == ("FAILED", STATES_INTRINSIC_FAILURE)

    definition = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
              "Parameters": {"x.$": "States.ArrayGetItem($.list, 9)"},
              "Catch": [{"ErrorEquals": ["States.IntrinsicFailure"], "Next": "Done"}], "End": True},
        "Done": {"Type": "Succeed"},
    }}
    caught = run(definition, {"list": [1]})
    assert caught.outcome.status == "SUCCEEDED"
    assert caught.outcome.output["Error"] == STATES_INTRINSIC_FAILURE


def test_a_path_argument_may_put_a_dot_before_a_bracket_as_jayway_allows():
    doc = [{"body": "{\"bucket\":\"b\"}"}, {"body": "{}"}]
    assert call("States.StringToJson($.[0].body)", doc) == {"bucket": "b"}
    assert call("States.Format('{}', $.abc.['def ghi'])", {"abc": {"def ghi": 1}}) == "1"
