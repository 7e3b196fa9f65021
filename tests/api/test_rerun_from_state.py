"""Re-running a finished execution from one of its states with edited input, over the REST API,
on the embedded runtime and on the Celery runtime with a real worker and Redis."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import redis
from django.urls import reverse

import tests.runtime.celery_handlers  # noqa: F401  binds the "add" Lambda handler in this process too
from tests.runtime.celery_support import LAMBDA, Workers, make_app, redis_answers

pytestmark = pytest.mark.django_db(transaction=True)

URL = os.environ.get("SWITCHYARD_TEST_API_REDIS_URL", "redis://127.0.0.1:6379/7")

PIPELINE = {
    "StartAt": "Load",
    "States": {
        "Load": {"Type": "Pass", "Parameters": {"a.$": "$.a", "b.$": "$.b"}, "Next": "Add"},
        "Add": {"Type": "Task", "Resource": f"{LAMBDA}add", "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.sum", "NumericGreaterThan": 100, "Next": "TooBig"}],
                  "Default": "Done"},
        "Done": {"Type": "Pass", "Parameters": {"total.$": "$.sum", "started_with.$": "$$.Execution.Input"},
                 "End": True},
        "TooBig": {"Type": "Fail", "Error": "TooBig", "Cause": "The sum is over 100"},
    },
}
NESTED = {"StartAt": "Each", "States": {"Each": {
    "Type": "Map", "ItemsPath": "$.items", "End": True,
    "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": True}}}}}}
WAITING = {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 60, "End": True}}}


@pytest.fixture(scope="module", params=["embedded", "celery"])
def runtime_name(request, tmp_path_factory):
    """The designer on the embedded runtime, then on the Celery runtime (one real worker, history
    mirrored into the database)."""
    if request.param == "embedded":
        yield "embedded"
        return
    if not redis_answers(URL):
        pytest.skip(f"no Redis answers at {URL}")
    from designer.runtime import set_runtime
    from executor.runtime.celery_runtime import CeleryRuntime

    redis.Redis.from_url(URL).flushdb()
    workers = Workers(URL, log_dir=tmp_path_factory.mktemp("rerun-celery"))
    workers.start(count=1, concurrency=2)
    runtime = CeleryRuntime(app=make_app(URL), redis_url=URL, mirror_history=True)
    previous = set_runtime(runtime)
    try:
        yield "celery"
    finally:
        set_runtime(previous)
        runtime.close()
        workers.stop()


def create(api, name: str, definition: dict) -> None:
    response = api.post(reverse("state-machine-list"), {"name": name, "definition": json.dumps(definition)})
    assert response.status_code == 201, response.json()


def start(api, name: str, value: dict) -> int:
    response = api.post(reverse("execution-start", args=[name]), {"input": json.dumps(value)})
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def finished(api, pk: int, timeout: float = 30.0) -> dict:
    """The execution with its history once it has ended."""
    from designer.runtime import get_runtime
    from designer.sink import get_sink

    deadline = time.monotonic() + timeout
    while True:
        get_runtime().flush()
        get_sink().flush()
        body = api.get(reverse("execution-detail", args=[pk])).json()
        if body["status"] != "RUNNING":
            return body
        assert time.monotonic() < deadline, f"execution {pk} still RUNNING after {timeout}s"
        time.sleep(0.05)


def rerun(api, pk: int, **body):
    return api.post(reverse("execution-rerun", args=[pk]), body)


def entered(detail: dict) -> list[str]:
    return [e["details"]["stateEnteredEventDetails"]["name"] for e in detail["events"]
            if e["type"].endswith("StateEntered")]


def started_input(detail: dict):
    first = detail["events"][0]
    assert first["type"] == "ExecutionStarted"
    return json.loads(first["details"]["executionStartedEventDetails"]["input"])


def test_a_rerun_starts_at_the_chosen_state_with_the_edited_input_and_leaves_the_original_alone(api, runtime_name):
    create(api, "adder", PIPELINE)
    original = finished(api, start(api, "adder", {"a": 70, "b": 40}))
    assert (original["status"], original["error"]) == ("FAILED", "TooBig")
    assert original["runtime"] == runtime_name

    response = rerun(api, original["id"], state="Add", input=json.dumps({"a": 2, "b": 3}))
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["arn"] != original["arn"] and created["status"] == "RUNNING"
    assert created["rerun_of"] == {"id": original["id"], "arn": original["arn"], "name": original["name"],
                                   "state": "Add", "variables": None}

    again = finished(api, created["id"])
    assert again["status"] == "SUCCEEDED"
    assert json.loads(again["output"]) == {"total": 5, "started_with": {"a": 2, "b": 3}}
    assert entered(again) == ["Add", "Check", "Done"]  # Load is not run
    assert started_input(again) == {"a": 2, "b": 3}
    assert json.loads(again["input"]) == {"a": 2, "b": 3}
    assert again["definition"] == original["definition"]
    assert again["rerun_of"]["arn"] == original["arn"]

    untouched = finished(api, original["id"])
    assert (untouched["status"], untouched["events"], untouched["rerun_of"]) == ("FAILED", original["events"], None)
    assert untouched["reruns"] == [{"id": created["id"], "arn": created["arn"], "name": created["name"],
                                    "status": "SUCCEEDED", "state": "Add"}]
    listed = [e["arn"] for e in api.get(reverse("execution-list"), state_machine="adder").json()["results"]]
    assert sorted(listed) == sorted([original["arn"], created["arn"]])


def test_a_rerun_without_input_gives_the_state_the_input_it_received_in_the_original(api, runtime_name):
    create(api, "adder-again", PIPELINE)
    original = finished(api, start(api, "adder-again", {"a": 70, "b": 40}))

    response = rerun(api, original["id"], state="Check")
    assert response.status_code == 201, response.json()
    again = finished(api, response.json()["id"])
    assert started_input(again) == {"sum": 110}  # what Add handed Check in the original
    assert entered(again) == ["Check", "TooBig"]
    assert (again["status"], again["error"], again["cause"]) == ("FAILED", "TooBig", "The sum is over 100")

    # A re-run of a re-run names the one it re-ran.
    second = rerun(api, again["id"], state="Add", input='{"a": 1, "b": 1}').json()
    assert finished(api, second["id"])["status"] == "SUCCEEDED"
    assert second["rerun_of"]["arn"] == again["arn"]


ASSIGNING = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Assign": {"batch.$": "$.batch"}, "Next": "Finish"},
        "Finish": {"Type": "Pass", "Parameters": {"batch.$": "$batch", "n.$": "$.n"}, "End": True},
    },
}


def test_a_rerun_is_given_the_variables_that_states_before_it_would_have_assigned(api, runtime_name):
    create(api, "assigning", ASSIGNING)
    original = finished(api, start(api, "assigning", {"batch": "b1", "n": 1}))
    assert json.loads(original["output"]) == {"batch": "b1", "n": 1}

    response = rerun(api, original["id"], state="Finish", input='{"n": 2}', variables='{"batch": "b9"}')
    assert response.status_code == 201, response.json()
    assert response.json()["rerun_of"]["variables"] == {"batch": "b9"}
    again = finished(api, response.json()["id"])
    assert json.loads(again["output"]) == {"batch": "b9", "n": 2}
    assert entered(again) == ["Finish"]

    # Without them the variable is not there, and the run says so.
    bare = finished(api, rerun(api, original["id"], state="Finish", input='{"n": 2}').json()["id"])
    assert bare["status"] == "FAILED" and "$batch" in bare["cause"]


@pytest.mark.parametrize(("variables", "words"), [
    ('{"batch": ', "The variables are not JSON: Expecting value: line 1 column 11"),
    ('["b9"]', "The variables must be a JSON object"),
])
def test_variables_that_are_not_a_json_object_are_refused(api, variables, words):
    create(api, "assigning-strict", ASSIGNING)
    original = finished(api, start(api, "assigning-strict", {"batch": "b1", "n": 1}))
    response = rerun(api, original["id"], state="Finish", input="{}", variables=variables)
    assert response.status_code == 400
    assert response.json()["code"] == "ValidationException"
    assert words in response.json()["message"]


def test_a_rerun_of_a_state_after_a_map_reuses_the_input_it_received(api):
    create(api, "after-map", {"StartAt": "Each", "States": {
        "Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.seen", "Next": "Sum",
                 "ItemProcessor": {"StartAt": "Sum", "States": {"Sum": {"Type": "Pass", "End": True}}}},
        "Sum": {"Type": "Pass", "Parameters": {"count.$": "States.ArrayLength($.seen)"}, "End": True}}})
    original = finished(api, start(api, "after-map", {"items": [1, 2, 3]}))
    again = finished(api, rerun(api, original["id"], state="Sum").json()["id"])
    assert started_input(again) == {"items": [1, 2, 3], "seen": [1, 2, 3]}  # not an iteration's Sum
    assert json.loads(again["output"]) == {"count": 3}


def test_a_rerun_runs_the_definition_the_original_ran_after_the_state_machine_changed(api):
    create(api, "changing", PIPELINE)
    original = finished(api, start(api, "changing", {"a": 1, "b": 2}))
    changed = dict(PIPELINE, States={**PIPELINE["States"], "Done": {"Type": "Pass", "Result": "new", "End": True}})
    assert api.patch(reverse("state-machine-detail", args=["changing"]),
                     {"definition": json.dumps(changed)}).status_code == 200

    again = finished(api, rerun(api, original["id"], state="Done").json()["id"])
    assert json.loads(again["output"]) == {"total": 3, "started_with": {"sum": 3}}
    assert again["definition"] == original["definition"]


@pytest.mark.parametrize(("state", "input", "code", "words"), [
    ("Nowhere", None, "ValidationException", ["'Nowhere'", "Load, Add, Check, Done, TooBig"]),
    ("Add", '{"a": 1,\n "b": }', "InvalidExecutionInput", ["line 2 column 7"]),
    ("TooBig", None, None, None),  # entered in the original: its input is reused
    ("Done", None, "InvalidExecutionInput", ["'Done' was not entered", "give the input"]),
])
def test_a_rerun_that_cannot_start_is_refused_naming_the_problem(api, state, input, code, words):
    create(api, "strict", PIPELINE)
    original = finished(api, start(api, "strict", {"a": 70, "b": 40}))
    response = rerun(api, original["id"], state=state, **({"input": input} if input is not None else {}))
    if code is None:
        assert response.status_code == 201
        assert started_input(finished(api, response.json()["id"])) == {"sum": 110}
        return
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    for word in words:
        assert word in body["message"]
    assert [e["arn"] for e in api.get(reverse("execution-list"), state_machine="strict").json()["results"]] == [
        original["arn"]]


def test_an_express_execution_is_rerun_as_an_express_execution(api):
    response = api.post(reverse("state-machine-list"), {"name": "quick", "definition": json.dumps(PIPELINE),
                                                        "type": "EXPRESS"})
    assert response.status_code == 201, response.json()
    original = finished(api, start(api, "quick", {"a": 1, "b": 2}))
    again = finished(api, rerun(api, original["id"], state="Check", input='{"sum": 500}').json()["id"])
    assert (again["status"], again["error"]) == ("FAILED", "TooBig")
    assert ":express:quick:" in again["arn"] and entered(again) == ["Check", "TooBig"]


def test_a_state_inside_a_map_is_refused_naming_the_state_to_rerun_from_instead(api):
    create(api, "nested", NESTED)
    original = finished(api, start(api, "nested", {"items": [1, 2]}))
    response = rerun(api, original["id"], state="Inner")
    assert response.status_code == 400
    assert response.json()["code"] == "ValidationException"
    assert response.json()["message"] == ("State 'Inner' is inside the state 'Each': a re-run starts at a top-level "
                                          "state, so re-run from 'Each' instead")
    again = finished(api, rerun(api, original["id"], state="Each").json()["id"])
    assert json.loads(again["output"]) == [1, 2]


def test_a_running_execution_cannot_be_rerun_until_it_has_finished(api):
    create(api, "waiting", WAITING)
    pk = start(api, "waiting", {})
    response = rerun(api, pk, state="Hold", input="{}")
    assert response.status_code == 400
    assert response.json()["code"] == "ExecutionNotRerunnable"
    assert "is RUNNING" in response.json()["message"]
    api.post(reverse("execution-stop", args=[pk]), {})
    assert finished(api, pk)["status"] == "ABORTED"
    again = rerun(api, pk, state="Hold", input="{}")
    assert again.status_code == 201
    api.post(reverse("execution-stop", args=[again.json()["id"]]), {})


def top_level_entries(definition: dict, events: list[dict]) -> list[str]:
    from designer.rerun_services import _top_level_entries

    containers = {name: state["Type"] in ("Map", "Parallel") for name, state in definition["States"].items()}
    rows = [(e["id"], e["type"], e.get("stateEnteredEventDetails", {}).get("name"),
             e.get("stateExitedEventDetails", {}).get("name")) for e in events]
    return [name for _, name in _top_level_entries(rows, containers)]


def test_the_top_level_of_a_history_leaves_out_map_iterations_and_parallel_branches():
    """Histories the interpreter writes: states after a Map and a Parallel, a caught Map failure, and
    nested states named like a top-level one."""
    from tests.asl.engine import run

    inner = {"StartAt": "After", "States": {"After": {"Type": "Pass", "End": True}}}
    definition = {"StartAt": "Pre", "States": {
        "Pre": {"Type": "Pass", "Next": "Fan"},
        "Fan": {"Type": "Parallel", "Branches": [inner, inner], "ResultPath": None, "Next": "Each"},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": inner, "ResultPath": None, "Next": "Broken"},
        "Broken": {"Type": "Map", "ItemsPath": "$.items", "Next": "After",
                   "ItemProcessor": {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Boom"}}},
                   "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "After"}]},
        "After": {"Type": "Pass", "End": True}}}
    done = run(definition, {"items": [1, 2, 3]})
    assert done.outcome.status == "SUCCEEDED"
    assert top_level_entries(definition, done.events) == ["Pre", "Fan", "Each", "Broken", "After"]

    # The fixture the run page's tests use: a real history of a Map whose Task is retried.
    fixture = Path(__file__).resolve().parents[2] / "frontend" / "tests" / "fixtures" / "map-retry-history.json"
    retried = {"States": {"Prep": {"Type": "Pass"}, "Each": {"Type": "Map"}, "Oops": {"Type": "Pass"}}}
    assert top_level_entries(retried, json.loads(fixture.read_text())) == ["Prep", "Each"]


def test_a_rerun_needs_a_state(api):
    create(api, "no-state", PIPELINE)
    original = finished(api, start(api, "no-state", {"a": 1, "b": 1}))
    response = api.post(reverse("execution-rerun", args=[original["id"]]), {"input": "{}"})
    assert response.status_code == 400
    assert "state" in response.json()
    assert rerun(api, 999999, state="Add").status_code == 404
