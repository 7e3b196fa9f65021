"""The REST API under /api/ that the front end uses."""
from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.api.conftest import pass_definition

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_state_machine_is_created_with_its_layout_kept_out_of_the_definition(api):
    layout = {"Only": {"x": 10, "y": 20}}
    response = api.post(reverse("state-machine-list"), {"name": "drawn", "definition": pass_definition(),
                                                        "layout": layout})
    assert response.status_code == 201
    body = response.json()
    assert body["layout"] == layout
    assert body["definition"] == pass_definition()
    assert body["arn"].endswith(":stateMachine:drawn")


def test_the_layout_can_change_without_touching_the_definition(api):
    api.post(reverse("state-machine-list"), {"name": "moved", "definition": pass_definition()})
    url = reverse("state-machine-detail", args=["moved"])
    response = api.patch(url, {"layout": {"Only": {"x": 1, "y": 2}}})
    assert response.status_code == 200
    assert api.get(url).json()["layout"] == {"Only": {"x": 1, "y": 2}}
    assert api.get(url).json()["definition"] == pass_definition()


def test_the_config_tab_saves_role_and_tags_with_the_definition_untouched(api, sfn):
    """PATCH replaces the tags, as the designer's Config tab saves them: boto3 sees the same tags
    and role; a tag AWS would refuse is refused with its place, and nothing changes."""
    api.post(reverse("state-machine-list"), {"name": "configured", "definition": pass_definition(),
                                             "tags": {"old": "1"}})
    url = reverse("state-machine-detail", args=["configured"])
    role = "arn:aws:iam::123456789012:role/pipeline-runner"
    tags = {"team": "ml platform", "cost-center": "42", "empty": ""}
    response = api.patch(url, {"role_arn": role, "tags": tags})
    assert response.status_code == 200, response.content
    body = api.get(url).json()
    assert (body["role_arn"], body["tags"], body["definition"]) == (role, tags, pass_definition())
    arn = body["arn"]
    listed = sfn.list_tags_for_resource(resourceArn=arn)["tags"]
    assert {t["key"]: t["value"] for t in listed} == tags
    assert sfn.describe_state_machine(stateMachineArn=arn)["roleArn"] == role

    for bad, says in [({"k" * 129: "v"}, "tags.1.member.key"), ({"ok": "v" * 257}, "tags.1.member.value"),
                      ({"": "v"}, "tags.1.member.key"), ({"a": "1", "b#": "2"}, "tags.2.member.key"),
                      ({"AWS:cloudformation": "x"}, "reserved"),
                      ({f"k{i}": "v" for i in range(51)}, "the limit is 50")]:
        response = api.patch(url, {"role_arn": "arn:aws:iam::123456789012:role/other", "tags": bad})
        assert response.status_code == 400 and says in response.json()["message"], response.content
    body = api.get(url).json()
    assert (body["role_arn"], body["tags"]) == (role, tags), "a refused save changes nothing"


def test_a_broken_definition_is_refused_with_the_aws_error_code(api):
    response = api.post(reverse("state-machine-list"), {"name": "broken", "definition": "{"})
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidDefinition"


def test_state_machines_are_listed_by_name(api):
    for name in ("b", "a"):
        api.post(reverse("state-machine-list"), {"name": name, "definition": pass_definition()})
    body = api.get(reverse("state-machine-list")).json()
    assert [sm["name"] for sm in body["results"]] == ["a", "b"]
    assert body["count"] == 2


def test_a_missing_state_machine_is_a_404(api):
    assert api.get(reverse("state-machine-detail", args=["ghost"])).status_code == 404


def test_an_execution_started_over_rest_shows_its_history(api):
    api.post(reverse("state-machine-list"), {"name": "runs", "definition": pass_definition({"ok": 1})})
    started = api.post(reverse("execution-start", args=["runs"]), {"input": '{"a": 1}'})
    assert started.status_code == 201
    detail_url = reverse("execution-detail", args=[started.json()["id"]])
    from designer.sink import get_sink

    for _ in range(200):
        get_sink().flush()
        detail = api.get(detail_url).json()
        if detail["status"] != "RUNNING":
            break
    assert detail["status"] == "SUCCEEDED"
    assert json.loads(detail["output"]) == {"ok": 1}
    assert [e["type"] for e in detail["events"]][0] == "ExecutionStarted"
    listed = api.get(reverse("execution-list"), state_machine="runs").json()
    assert [e["id"] for e in listed["results"]] == [started.json()["id"]]


def test_bad_execution_input_over_rest_is_refused(api):
    api.post(reverse("state-machine-list"), {"name": "strict", "definition": pass_definition()})
    response = api.post(reverse("execution-start", args=["strict"]), {"input": "nope"})
    assert response.status_code == 400
    assert response.json()["code"] == "InvalidExecutionInput"


def test_deleting_a_state_machine_over_rest_removes_it(api):
    api.post(reverse("state-machine-list"), {"name": "gone", "definition": pass_definition()})
    assert api.delete(reverse("state-machine-detail", args=["gone"])).status_code == 204
    assert api.get(reverse("state-machine-detail", args=["gone"])).status_code == 404
