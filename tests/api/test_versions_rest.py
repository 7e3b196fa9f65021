"""The designer's REST API for versions and aliases: the contract the front end codes against."""
from __future__ import annotations

import pytest
from django.urls import reverse

from tests.api.conftest import pass_definition

pytestmark = pytest.mark.django_db(transaction=True)

SM_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:flow"


@pytest.fixture
def flow(api):
    """State machine "flow" with version 1 ("v1", described "first") and version 2 ("v2")."""
    api.post(reverse("state-machine-list"), {"name": "flow", "definition": pass_definition("v1")})
    assert api.post(reverse("version-list", args=["flow"]), {"description": "first"}).status_code == 201
    api.patch(reverse("state-machine-detail", args=["flow"]), {"definition": pass_definition("v2")})
    assert api.post(reverse("version-list", args=["flow"]), {}).status_code == 201
    return "flow"


def _routing(*routes: tuple[int, int]) -> list[dict[str, int]]:
    return [{"version": version, "weight": weight} for version, weight in routes]


def test_versions_are_listed_newest_first_without_their_definitions(api, flow):
    listed = api.get(reverse("version-list", args=[flow])).json()
    assert [(v["version"], v["arn"], v["description"]) for v in listed] == [
        (2, f"{SM_ARN}:2", ""), (1, f"{SM_ARN}:1", "first")]
    assert set(listed[0]) == {"version", "arn", "description", "created"}


def test_a_version_shows_the_definition_exactly_as_published(api, flow):
    body = api.get(reverse("version-detail", args=[flow, 1])).json()
    assert body == {"version": 1, "arn": f"{SM_ARN}:1", "definition": pass_definition("v1"),
                    "description": "first", "created": body["created"]}


def test_publishing_an_unchanged_definition_answers_200_with_the_latest_version(api, flow):
    response = api.post(reverse("version-list", args=[flow]), {"description": "again"})
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response.json()["description"] == ""


def test_a_layout_change_publishes_no_new_version(api, flow):
    api.patch(reverse("state-machine-detail", args=[flow]), {"layout": {"Only": {"x": 5, "y": 5}}})
    assert api.post(reverse("version-list", args=[flow]), {}).json()["version"] == 2


def test_a_version_is_deleted_and_then_404(api, flow):
    assert api.delete(reverse("version-detail", args=[flow, 1])).status_code == 204
    assert api.get(reverse("version-detail", args=[flow, 1])).status_code == 404
    assert api.get(reverse("version-detail", args=["ghost", 1])).status_code == 404


def test_an_alias_is_created_read_changed_listed_and_deleted(api, flow):
    created = api.post(reverse("alias-list", args=[flow]), {"name": "prod", "description": "live",
                                                            "routing": _routing((1, 100))})
    assert created.status_code == 201
    assert created.json() == {"name": "prod", "arn": f"{SM_ARN}:prod", "description": "live",
                              "routing": [{"version": 1, "weight": 100}]}
    url = reverse("alias-detail", args=[flow, "prod"])
    changed = api.patch(url, {"routing": _routing((1, 80), (2, 20))})
    assert changed.status_code == 200
    assert changed.json()["routing"] == [{"version": 1, "weight": 80}, {"version": 2, "weight": 20}]
    assert changed.json()["description"] == "live"
    assert api.patch(url, {"description": "canary"}).json()["description"] == "canary"
    api.post(reverse("alias-list", args=[flow]), {"name": "beta", "routing": _routing((2, 100))})
    assert [a["name"] for a in api.get(reverse("alias-list", args=[flow])).json()] == ["prod", "beta"]
    assert api.get(url).json()["routing"] == [{"version": 1, "weight": 80}, {"version": 2, "weight": 20}]
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_creating_the_same_alias_twice_answers_200_and_differently_409(api, flow):
    body = {"name": "same", "routing": _routing((1, 100))}
    assert api.post(reverse("alias-list", args=[flow]), body).status_code == 201
    assert api.post(reverse("alias-list", args=[flow]), body).status_code == 200
    conflict = api.post(reverse("alias-list", args=[flow]), {**body, "routing": _routing((2, 100))})
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "ConflictException"


def test_deleting_a_version_an_alias_routes_to_answers_409_naming_the_alias(api, flow):
    api.post(reverse("alias-list", args=[flow]), {"name": "holder", "routing": _routing((1, 100))})
    response = api.delete(reverse("version-detail", args=[flow, 1]))
    assert response.status_code == 409
    assert response.json() == {"code": "ConflictException", "message": (
        "Version to be deleted must not be referenced by an alias. "
        "Current list of aliases referencing this version: [holder]")}


@pytest.mark.parametrize("body, code", [
    ({"name": "w", "routing": _routing((1, 60), (2, 60))}, "ValidationException"),
    ({"name": "w", "routing": _routing((7, 100))}, "ValidationException"),
    ({"name": "w", "routing": _routing((1, 50), (1, 50))}, "ValidationException"),
    ({"name": "42", "routing": _routing((1, 100))}, "ValidationException"),
    ({"name": "w", "routing": []}, None),
    ({"name": "w", "routing": _routing((1, 100), (2, 0), (1, 0))}, None),
    ({"name": "w", "routing": _routing((1, 101))}, None),
], ids=["sum-120", "missing-version", "duplicate", "digits-name", "no-route", "three-routes", "weight-101"])
def test_a_bad_alias_is_refused_with_400(api, flow, body, code):
    response = api.post(reverse("alias-list", args=[flow]), body)
    assert response.status_code == 400
    if code is not None:  # AWS's error code from the service; otherwise DRF's field errors
        assert response.json()["code"] == code
    else:
        assert "routing" in response.json()


def test_patching_an_alias_with_nothing_to_change_is_refused(api, flow):
    api.post(reverse("alias-list", args=[flow]), {"name": "still", "routing": _routing((1, 100))})
    response = api.patch(reverse("alias-detail", args=[flow, "still"]), {})
    assert response.status_code == 400
    assert response.json()["code"] == "MissingRequiredParameter"


def test_deleting_the_state_machine_over_rest_takes_its_versions_and_aliases(api, flow):
    api.post(reverse("alias-list", args=[flow]), {"name": "prod", "routing": _routing((1, 100))})
    assert api.delete(reverse("state-machine-detail", args=[flow])).status_code == 204
    api.post(reverse("state-machine-list"), {"name": flow, "definition": pass_definition()})
    assert api.get(reverse("version-list", args=[flow])).json() == []
    assert api.get(reverse("alias-list", args=[flow])).json() == []
