"""The REST API the designer's local-testing controls use: the mock test cases a state machine
can start with, and a fault plan refused with the place it is wrong."""
from __future__ import annotations

import json

import pytest

from tests.api.conftest import pass_definition

pytestmark = pytest.mark.django_db(transaction=True)

CONFIG = {
    "StateMachines": {
        "orders": {"TestCases": {"HappyPath": {"Only": "Ok"}, "Declined": {"Only": "Declined"},
                                 "AllReal": {}}},
        "other": {"TestCases": {"Elsewhere": {"Only": "Ok"}}},
    },
    "MockedResponses": {
        "Ok": {"0": {"Return": {"ok": True}}},
        "Declined": {"0": {"Throw": {"Error": "Payment.Declined", "Cause": "card declined"}}},
    },
}


@pytest.fixture
def orders(api):
    answer = api.post("/api/state-machines/", {"name": "orders", "definition": pass_definition()})
    assert answer.status_code == 201, answer.content
    return "/api/state-machines/orders/"


@pytest.fixture
def mock_file(tmp_path, settings):
    def write(text: str):
        path = tmp_path / "MockConfigFile.json"
        path.write_text(text)
        settings.SFN_MOCK_CONFIG = str(path)
        return path

    return write


def test_the_test_cases_of_the_machine_are_listed_in_the_files_order(api, orders, mock_file):
    mock_file(json.dumps(CONFIG))
    answer = api.get(orders + "test-cases/")
    assert answer.status_code == 200
    assert answer.json() == {"configured": True, "test_cases": ["HappyPath", "Declined", "AllReal"]}


def test_a_machine_the_mock_configuration_does_not_name_has_no_test_cases(api, orders, mock_file):
    mock_file(json.dumps({**CONFIG, "StateMachines": {"other": CONFIG["StateMachines"]["other"]}}))
    assert api.get(orders + "test-cases/").json() == {"configured": True, "test_cases": []}


def test_without_a_mock_configuration_the_answer_says_none_is_set(api, orders, settings):
    settings.SFN_MOCK_CONFIG = ""
    assert api.get(orders + "test-cases/").json() == {"configured": False, "test_cases": []}


def test_a_mock_configuration_that_is_not_valid_is_reported_with_what_is_wrong(api, orders, mock_file):
    broken = {**CONFIG, "StateMachines": {"orders": {"TestCases": {"HappyPath": {"Only": "Missing"}}}}}
    mock_file(json.dumps(broken))
    answer = api.get(orders + "test-cases/")
    assert answer.status_code == 400
    assert answer.json()["code"] == "ValidationException"
    assert "StateMachines.orders.TestCases.HappyPath.Only" in answer.json()["message"]
    assert "'Missing'" in answer.json()["message"]


def test_a_mock_configuration_that_cannot_be_read_says_which_file(api, orders, settings, tmp_path):
    settings.SFN_MOCK_CONFIG = str(tmp_path / "nowhere.json")
    answer = api.get(orders + "test-cases/")
    assert answer.status_code == 400
    assert "nowhere.json" in answer.json()["message"]


def test_the_test_cases_of_an_unknown_machine_are_not_found(api, mock_file):
    mock_file(json.dumps(CONFIG))
    assert api.get("/api/state-machines/nobody/test-cases/").status_code == 404


@pytest.mark.parametrize(("fault", "where"), [
    ({"type": "latency", "distribution": {"uniform": [3, 1]}}, "states.Only[1].distribution.uniform"),
    ({"type": "latency", "distribution": {"normal": [1]}}, "states.Only[1].distribution.normal"),
    ({"type": "latency", "distribution": {"exponential": 0}}, "states.Only[1].distribution.exponential"),
    ({"type": "error", "probability": 0.5}, "states.Only[1]: an error fault needs an error name"),
    ({"type": "timeout", "probability": 2}, "states.Only[1].probability must be a number from 0 to 1"),
])
def test_a_fault_plan_is_refused_with_the_place_it_is_wrong_and_the_stored_one_kept(api, orders, fault, where):
    kept = {"seed": 3, "states": {"Only": [{"type": "heartbeat"}]}}
    assert api.put_json(orders + "local-settings/", {"faults": kept, "clock": "skip"}).status_code == 200
    plan = {"seed": 3, "states": {"Only": [{"type": "heartbeat"}, fault]}}
    answer = api.put_json(orders + "local-settings/", {"faults": plan, "clock": "skip"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "ValidationException"
    assert answer.json()["message"].startswith("Invalid fault plan: " + where)
    assert api.get(orders + "local-settings/").json() == {"faults": kept, "clock": "skip"}


def test_a_latency_from_each_distribution_is_accepted(api, orders):
    plan = {"seed": "demo", "states": {"Only": [
        {"type": "latency", "distribution": {"uniform": [0.5, 3]}},
        {"type": "latency", "distribution": {"normal": [2, 0.5]}, "probability": 0.2},
        {"type": "latency", "distribution": {"exponential": 1.5}}]}}
    answer = api.put_json(orders + "local-settings/", {"faults": plan})
    assert answer.status_code == 200
    assert answer.json() == {"faults": plan, "clock": None}
