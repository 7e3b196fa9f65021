"""The REST endpoints the designer uses: validation, palette resources, examples, runs by ARN, SPA routes."""
from __future__ import annotations

import json

import pytest

from designer import services
from designer.models import StateMachine

pytestmark = pytest.mark.django_db(transaction=True)

ROLE = "arn:aws:iam::123456789012:role/test"


def test_validate_puts_each_problem_at_its_json_pointer(client):
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "Nowhere"},
        "M": {"Type": "Map", "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Task", "End": True}}},
              "End": True}}}
    response = client.post("/api/validate/", {"definition": definition}, content_type="application/json")
    assert response.status_code == 200
    paths = {p["path"]: p["message"] for p in response.json()["problems"]}
    assert "Nowhere" in paths["/States/A/Next"]
    assert "Resource" in paths["/States/M/ItemProcessor/States/X"]


def test_validate_accepts_text_and_answers_no_problems_for_a_valid_definition(client):
    text = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})
    response = client.post("/api/validate/", {"definition": text}, content_type="application/json")
    assert response.json() == {"problems": []}


def test_validate_reports_text_that_is_not_json_at_the_root(client):
    response = client.post("/api/validate/", {"definition": "{oops"}, content_type="application/json")
    [problem] = response.json()["problems"]
    assert problem["path"] == "/" and "not valid JSON" in problem["message"]


def test_the_palette_lists_the_loaded_handlers_and_the_registered_models(client):
    body = client.get("/api/designer/resources/").json()
    assert "word-count" in body["lambdas"]  # examples.handlers is in SWITCHYARD_HANDLERS by default
    assert "minilm" in body["models"]


def test_the_examples_come_with_their_text_as_stored(client):
    examples = {e["name"]: e for e in client.get("/api/examples/").json()}
    assert "hello-world" in examples
    from django.conf import settings
    stored = (settings.BASE_DIR / "examples" / "hello-world.asl.json").read_text(encoding="utf-8")
    assert examples["hello-world"]["definition"] == stored


def test_an_execution_is_found_by_its_arn_with_its_history(client):
    machine, _ = services.state_machine_create(
        name="by-arn", role_arn=ROLE,
        definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}))
    execution, _ = services.execution_start(state_machine=machine, input='{"x": 1}')
    response = client.get("/api/executions/by-arn/", {"arn": execution.arn})
    assert response.status_code == 200
    assert response.json()["arn"] == execution.arn and response.json()["input"] == '{"x": 1}'
    assert client.get("/api/executions/by-arn/", {"arn": execution.arn + "x"}).status_code == 404
    assert client.get("/api/executions/by-arn/").status_code == 400


def test_an_execution_by_its_arn_comes_without_its_history_when_asked(client):
    machine, _ = services.state_machine_create(
        name="no-history", role_arn=ROLE,
        definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}))
    execution, _ = services.execution_start(state_machine=machine, input='{"x": 1}')
    with_history = client.get("/api/executions/by-arn/", {"arn": execution.arn}).json()
    without = client.get("/api/executions/by-arn/", {"arn": execution.arn, "events": "0"}).json()
    assert "events" in with_history and "events" not in without
    # The execution may end between the two requests: compare what cannot change.
    assert set(without) == set(with_history) - {"events"}
    assert (without["arn"], without["input"], without["definition"]) == (
        execution.arn, '{"x": 1}', with_history["definition"])


def test_a_layout_saved_alone_leaves_the_definition_byte_for_byte(client):
    text = '{ "StartAt": "A",\n  "States": {"A": {"Type": "Succeed"}} }'
    services.state_machine_create(name="bytes", role_arn=ROLE, definition=text)
    response = client.patch("/api/state-machines/bytes/", {"layout": {"positions": {"/A": {"x": 1, "y": 2}}}},
                            content_type="application/json")
    assert response.status_code == 200
    machine = StateMachine.objects.get(name="bytes")
    assert machine.definition == text and machine.layout["positions"]["/A"] == {"x": 1, "y": 2}


@pytest.mark.parametrize("path", ["/machines/hello-world", "/executions/arn:aws:states:us-east-1:123456789012:"
                                  "execution:hello-world:run-1"])
def test_a_reload_of_an_app_page_gets_the_app(client, path):
    response = client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_the_aws_endpoint_still_answers_at_the_root(client):
    response = client.post("/", "{}", content_type="application/x-amz-json-1.0",
                           HTTP_X_AMZ_TARGET="AWSStepFunctions.ListStateMachines")
    assert response.status_code == 200 and "stateMachines" in json.loads(response.content)
