"""designer/lookups.py: a lookup compiled once gives what the ORM gives, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from designer.lookups import UniqueLookup
from designer.models import Execution, StateMachine
from tests.api.conftest import pass_definition

pytestmark = pytest.mark.django_db(transaction=True)


def _fields(instance) -> dict:
    return {key: value for key, value in vars(instance).items() if key != "_state"}


def test_an_execution_and_its_state_machine_read_as_the_orm_reads_them():
    machine = StateMachine.objects.create(name="s", arn="arn:aws:states:us-east-1:123456789012:stateMachine:s",
                                          definition=pass_definition(), role_arn="arn:aws:iam::123456789012:role/r")
    created = Execution.objects.create(
        arn="arn:aws:states:us-east-1:123456789012:execution:s:é-1", name="é-1", state_machine=machine,
        definition=machine.definition, input='{"text": "😀"}', start_date=timezone.now(), stop_date=timezone.now(),
        status="SUCCEEDED", output="[1, 2]", checkpoints={"done": [1, {"a": None}]}, local={"mocks": {"x": 1}})
    lookup = UniqueLookup(Execution, "arn", "state_machine")
    for _ in range(2):  # compiled on the first call, reused on the second
        found = lookup.get(created.arn)
        expected = Execution.objects.select_related("state_machine").get(arn=created.arn)
        assert _fields(found) == _fields(expected)
        assert model_to_dict(found) == model_to_dict(expected)
        assert _fields(found.state_machine) == _fields(expected.state_machine)
        assert found.checkpoints == {"done": [1, {"a": None}]} and found.start_date.tzinfo is not None
        assert not found._state.adding and found._state.db == "default"
    assert lookup.get(created.arn + "-not-there") is None
    found.status = "ABORTED"
    found.save(update_fields=["status"])  # an instance it made saves like one the ORM made
    assert Execution.objects.get(pk=created.pk).status == "ABORTED"
