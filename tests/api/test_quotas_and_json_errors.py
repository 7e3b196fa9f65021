"""AWS's quotas on the API, and errors that are always JSON a client can parse."""
from __future__ import annotations

import base64
import json

import pytest

from designer.models import StateMachine
from tests.api.aws_inprocess import call, error_code
from tests.api.conftest import ROLE_ARN, pass_definition

pytestmark = pytest.mark.django_db(transaction=True)


def _tags(count: int, prefix: str = "k") -> list[dict]:
    return [{"key": f"{prefix}{i}", "value": "v"} for i in range(count)]


def _machine(client, **extra) -> tuple[int, dict]:
    return call(client, "CreateStateMachine", name="m", definition=pass_definition(), roleArn=ROLE_ARN, **extra)


def test_tag_resource_refuses_more_than_50_tags_with_too_many_tags(client):
    arn = _machine(client)[1]["stateMachineArn"]
    status, body = call(client, "TagResource", resourceArn=arn, tags=_tags(10_000))
    assert (status, error_code(body)) == (400, "TooManyTags")
    assert call(client, "TagResource", resourceArn=arn, tags=_tags(50))[0] == 200
    status, body = call(client, "TagResource", resourceArn=arn, tags=_tags(1, prefix="more"))
    assert (status, error_code(body)) == (400, "TooManyTags")
    assert len(call(client, "ListTagsForResource", resourceArn=arn)[1]["tags"]) == 50


def test_create_state_machine_refuses_more_than_50_tags(client):
    status, body = _machine(client, tags=_tags(51))
    assert (status, error_code(body)) == (400, "TooManyTags")
    assert not StateMachine.objects.exists()


def _token(scope: str, position) -> str:
    return base64.urlsafe_b64encode(json.dumps({"s": scope, "p": position}).encode()).decode()


@pytest.mark.parametrize("position", [10**30, 2**63, -1, True, 1.5])
def test_a_forged_next_token_gives_invalid_token_not_a_500(client, position):
    arn = _machine(client)[1]["stateMachineArn"]
    status, body = call(client, "ListStateMachines", nextToken=_token("stateMachines", position))
    assert (status, error_code(body)) == (400, "InvalidToken")
    status, body = call(client, "ListExecutions", stateMachineArn=arn, nextToken=_token(f"executions:{arn}:", position))
    assert (status, error_code(body)) == (400, "InvalidToken")
    execution_arn = call(client, "StartExecution", stateMachineArn=arn)[1]["executionArn"]
    status, body = call(client, "GetExecutionHistory", executionArn=execution_arn,
                        nextToken=_token(f"history:{execution_arn}:0", position))
    assert (status, error_code(body)) == (400, "InvalidToken")


def test_deeply_nested_json_to_the_rest_api_is_a_json_400(client):
    response = client.post("/api/state-machines/", "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_a_body_too_large_for_the_rest_api_is_a_json_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "big", "definition": pass_definition("x" * 5000)})
    response = client.post("/api/state-machines/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "RequestEntityTooLarge"


def test_an_unknown_rest_url_is_a_json_404(client):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "NotFound"


def test_a_form_body_to_the_rest_api_is_a_json_415(client):
    response = client.post("/api/state-machines/", {"name": "form", "definition": pass_definition()})
    assert response.status_code == 415
    assert response.json()["detail"]


@pytest.mark.parametrize("tag", [{"key": "a<b", "value": "v"}, {"key": "k", "value": "x;y"}])
def test_tags_hold_only_letters_digits_spaces_and_aws_symbols(client, tag):
    arn = _machine(client)[1]["stateMachineArn"]
    status, body = call(client, "TagResource", resourceArn=arn, tags=[tag])
    assert (status, error_code(body)) == (400, "ValidationException")
    assert call(client, "TagResource", resourceArn=arn, tags=[{"key": "team é 1_.:/=+-@", "value": "ml"}])[0] == 200
