"""JSONPath as ASL uses it: definite and indefinite paths, and copy-on-write ResultPath."""
from __future__ import annotations

import copy

import pytest

from executor.asl.paths import PathNotFound, PathSyntaxError, compile_path, compile_reference_path, set_reference_path

from .engine import run, single

STORE = {
    "store": {
        "book": [
            {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
            {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
            {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553",
             "price": 8.99},
            {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord", "isbn": "0-395",
             "price": 22.99},
        ],
        "bicycle": {"color": "red", "price": 19.95},
    },
    "odd key": {"a.b": 1},
    "n": None,
}


def get(text, doc=STORE):
    return compile_path(text).get(doc)


@pytest.mark.parametrize("text, expected", [
    ("$", STORE),
    ("$.store.bicycle.color", "red"),
    ("$['store']['bicycle']['price']", 19.95),
    ('$["store"]["bicycle"]["color"]', "red"),
    ("$.store.book[0].title", "Sayings"),
    ("$.store.book[-1].title", "The Lord"),
    ("$['odd key']['a.b']", 1),
    ("$.n", None),
])
def test_a_definite_path_returns_the_single_value_it_selects(text, expected):
    assert compile_path(text).definite
    assert get(text) == expected


@pytest.mark.parametrize("text", ["$.nope", "$.store.book[9]", "$.store.bicycle.color.x", "$.store[0]",
                                  "$.n.x", "$.store.book.title"])
def test_a_definite_path_that_selects_nothing_raises_path_not_found(text):
    with pytest.raises(PathNotFound):
        get(text)


@pytest.mark.parametrize("text, expected", [
    ("$.store.book[*].author", ["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]),
    ("$.store.bicycle.*", ["red", 19.95]),
    ("$.store.book[1:3].title", ["Sword", "Moby Dick"]),
    ("$.store.book[-2:].title", ["Moby Dick", "The Lord"]),
    ("$.store.book[:2].title", ["Sayings", "Sword"]),
    ("$.store.book[::2].title", ["Sayings", "Moby Dick"]),
    ("$.store.book[0,2].title", ["Sayings", "Moby Dick"]),
    ("$.store['bicycle','book'].color", ["red"]),
    ("$..author", ["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]),
    ("$..bicycle.color", ["red"]),
    ("$.store..price", [8.95, 12.99, 8.99, 22.99, 19.95]),
    ("$.store.book[?(@.price < 10)].title", ["Sayings", "Moby Dick"]),
    ("$.store.book[?(@.isbn)].title", ["Moby Dick", "The Lord"]),
    ("$.store.book[?(@.category == 'fiction' && @.price > 20)].title", ["The Lord"]),
    ("$.store.book[?(@.price > 20 || @.author == 'Nigel Rees')].title", ["Sayings", "The Lord"]),
    ("$.store.book[?(!@.isbn)].title", ["Sayings", "Sword"]),
    ("$.store.book[?(@.author =~ /.*MELVILLE/i)].title", ["Moby Dick"]),
    ("$.store.book[*].missing", []),
    ("$.nope[*]", []),
])
def test_an_indefinite_path_returns_the_list_of_every_match(text, expected):
    assert not compile_path(text).definite
    assert get(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("$.store.book.length()", 4),
    ("$.store.book[0].title.length()", 7),
])
def test_length_returns_the_size_of_the_selected_array_or_string(text, expected):
    assert get(text) == expected


def test_length_of_a_number_selects_nothing():
    with pytest.raises(PathNotFound):
        get("$.store.bicycle.price.length()")


@pytest.mark.parametrize("text", ["", "store", "$.", "$[", "$.a[", "$.a[1:2:3:4]", "$.a[x]", "$.a[?(@.x ==)]",
                                  "$.a[?(@.x == 1]", "$.a b", "$.a[]", "$.a[1,]"])
def test_malformed_paths_are_rejected_with_path_syntax_error(text):
    with pytest.raises(PathSyntaxError):
        compile_path(text)


@pytest.mark.parametrize("text", ["$.a[*]", "$..a", "$.a[0:1]", "$.a[0,1]", "$.a[?(@.x)]", "$$.Execution.Id",
                                  "$.a.*"])
def test_a_reference_path_must_be_definite_and_point_into_the_input(text):
    with pytest.raises(PathSyntaxError):
        compile_reference_path(text)


def test_the_context_path_resolves_against_the_context_object():
    path = compile_path("$$.Execution.Id")

    class Scope:
        context = {"Execution": {"Id": "arn:x"}}
        variables = {}
    assert path.is_context
    assert path.resolve({"Execution": {"Id": "nope"}}, Scope()) == "arn:x"


def test_compiled_paths_are_shared_between_identical_texts():
    assert compile_path("$.same.text") is compile_path("$.same.text")


# -- set_reference_path (ResultPath) -------------------------------------------------------


def test_set_reference_path_copies_only_what_it_changes_and_never_mutates_the_input():
    doc = {"a": {"b": 1, "keep": [1, 2]}, "other": {"deep": [{"x": 1}]}}
    before = copy.deepcopy(doc)
    out = set_reference_path(doc, compile_reference_path("$.a.c"), {"new": True})
    assert doc == before
    assert out == {"a": {"b": 1, "keep": [1, 2], "c": {"new": True}}, "other": {"deep": [{"x": 1}]}}
    assert out["other"] is doc["other"]  # untouched branches are shared, not copied
    assert out["a"] is not doc["a"]


def test_set_reference_path_creates_missing_objects_along_the_way():
    out = set_reference_path({}, compile_reference_path("$.x.y.z"), 1)
    assert out == {"x": {"y": {"z": 1}}}


def test_set_reference_path_writes_into_an_existing_array_index_by_copy():
    doc = {"list": [1, 2, 3]}
    out = set_reference_path(doc, compile_reference_path("$.list[1]"), "two")
    assert out == {"list": [1, "two", 3]} and doc == {"list": [1, 2, 3]}


@pytest.mark.parametrize("doc, text", [({"a": 1}, "$.a.b"), ({"a": [1]}, "$.a[3]"), ({"a": "s"}, "$.a[0]")])
def test_set_reference_path_through_a_non_object_raises_path_not_found(doc, text):
    with pytest.raises(PathNotFound):
        set_reference_path(doc, compile_reference_path(text), 1)


def test_set_reference_path_at_the_root_replaces_the_whole_document():
    assert set_reference_path({"a": 1}, compile_reference_path("$"), [1]) == [1]


def test_a_state_with_result_path_never_mutates_the_execution_input():
    value = {"keep": {"nested": [1, 2]}, "x": 1}
    before = copy.deepcopy(value)
    result = run(single({"Type": "Pass", "Result": {"r": 1}, "ResultPath": "$.keep.added"}), value)
    assert result.outcome.output == {"keep": {"nested": [1, 2], "added": {"r": 1}}, "x": 1}
    assert value == before


def test_input_path_with_an_indefinite_path_hands_the_state_the_list_of_matches():
    result = run(single({"Type": "Pass", "InputPath": "$.items[*].id"}), {"items": [{"id": 1}, {"id": 2}]})
    assert result.outcome.output == [1, 2]


# -- Jayway's forms, as AWS evaluates them -------------------------------------------------

JAYWAY_DOC = {
    "Snapshots": [{"State": "completed", "SnapshotId": "snap-1"}],
    "abc": {"def ghi": 7},
    "agent_id": "w2",
    "approaches": [{"workerId": "w1", "approach": "greedy"}, {"workerId": "w2", "approach": "beam"}],
    "Labels": [{"Name": "Text", "Confidence": 99}, {"Name": "Receipt", "Confidence": 91}],
    "Fields": [{"Type": {"Text": "AMOUNT_PAID"}, "Value": "12.50"}, {"Type": {"Text": "VENDOR_NAME"}, "Value": "Ace"}],
}
OBJECTS = [{"bucket": "b1", "key": "k1", "size": 1}, {"bucket": "b2", "size": 2}]


@pytest.mark.parametrize("text, doc, expected", [
    ("$.[0]", ["first", "second"], "first"),
    ("$.[0].body", [{"body": "{}"}], "{}"),
    ("$.Snapshots.[0].State", JAYWAY_DOC, "completed"),
    ("$.abc.['def ghi']", JAYWAY_DOC, 7),
    ('$.abc.["def ghi"]', JAYWAY_DOC, 7),
])
def test_a_dot_before_a_bracket_is_read_as_the_bracket_alone(text, doc, expected):
    assert compile_path(text).definite
    assert get(text, doc) == expected


def test_a_dot_before_a_wildcard_bracket_with_several_names_selects_one_object_per_item():
    assert get("$.[*].['bucket', 'key']", OBJECTS) == [{"bucket": "b1", "key": "k1"}, {"bucket": "b2"}]


def test_several_names_as_the_last_step_select_one_object_of_those_present():
    path = compile_path("$.store.bicycle['color','price','nope']")
    assert path.definite
    assert path.get(STORE) == {"color": "red", "price": 19.95}


def test_several_names_as_the_last_step_of_something_not_an_object_select_nothing():
    with pytest.raises(PathNotFound):
        get("$.store.book['color','price']")


def test_several_names_before_another_step_are_a_union_of_matches():
    assert get("$.store['bicycle','book'].color") == ["red"]


def test_a_filter_may_compare_with_a_value_read_from_the_root_of_the_document():
    assert get("$.approaches[?(@.workerId == $.agent_id)].approach", JAYWAY_DOC) == ["beam"]


def test_a_root_reference_in_a_filter_that_selects_nothing_matches_nothing():
    assert get("$.approaches[?(@.workerId == $.nobody)].approach", JAYWAY_DOC) == []


@pytest.mark.parametrize("text, expected", [
    ("$.Labels[?(@.Name==Receipt)]", [{"Name": "Receipt", "Confidence": 91}]),
    ("$.Labels[?(@.Name==Receipt)].Confidence", [91]),
    ("$.Fields[?(@.Type.Text==AMOUNT_PAID)].Value", ["12.50"]),
    ("$.Fields[?(@.Type.Text != VENDOR_NAME)].Value", ["12.50"]),
    ("$.Labels[?(@.Name==Nothing)]", []),
])
def test_an_unquoted_word_in_a_filter_is_compared_as_a_string(text, expected):
    assert get(text, JAYWAY_DOC) == expected


def test_unquoted_true_false_and_null_in_a_filter_stay_literals():
    doc = [{"v": True}, {"v": "true"}, {"v": None}, {"v": "null"}]
    assert get("$[?(@.v == true)]", doc) == [{"v": True}]
    assert get("$[?(@.v == null)]", doc) == [{"v": None}]


def test_a_filter_on_an_object_tests_the_object_itself():
    assert get("$[?(@.id == 2)]", {"id": 2}) == [{"id": 2}]
    assert get("$[?(@.id == 3)]", {"id": 2}) == []
    assert get("$.[?(@.OU > 0)]", [{"OU": 1}, {"OU": 0}]) == [{"OU": 1}]


def test_a_filter_path_may_use_a_dot_before_a_bracket():
    assert get("$[?(@.['a b'] == 1)]", [{"a b": 1}, {"a b": 2}]) == [{"a b": 1}]


@pytest.mark.parametrize("text", ["$['a','b']", "$.[*]", "$.a.['b','c']"])
def test_a_reference_path_takes_no_multi_name_bracket_nor_wildcard(text):
    with pytest.raises(PathSyntaxError):
        compile_reference_path(text)


def test_a_reference_path_may_put_a_dot_before_a_bracket():
    out = set_reference_path({"a": [{"b": 1}]}, compile_reference_path("$.a.[0].['c d']"), 2)
    assert out == {"a": [{"b": 1, "c d": 2}]}


@pytest.mark.parametrize("text", ["$.[", "$.[0", "$..", "$.['a'"])
def test_a_dot_before_a_broken_bracket_is_still_rejected(text):
    with pytest.raises(PathSyntaxError):
        compile_path(text)


def test_parameters_evaluate_jayway_forms_against_the_effective_input():
    state = {"Type": "Pass", "Parameters": {
        "first.$": "$.approaches.[0].workerId",
        "winner.$": "$.approaches[?(@.workerId == $.agent_id)].approach",
        "receipt.$": "$.Labels[?(@.Name==Receipt)]",
        "snapshot.$": "$.Snapshots.[0]['State','SnapshotId']",
    }}
    result = run(single(state), JAYWAY_DOC)
    assert result.outcome.output == {
        "first": "w1", "winner": ["beam"], "receipt": [{"Name": "Receipt", "Confidence": 91}],
        "snapshot": {"State": "completed", "SnapshotId": "snap-1"},
    }
