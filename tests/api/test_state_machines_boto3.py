"""State machine actions through boto3, over real HTTP, with AWS's error classes."""
from __future__ import annotations

import json

import pytest

from tests.api.conftest import ROLE_ARN, pass_definition

ARN_PREFIX = "arn:aws:states:us-east-1:123456789012"


def test_create_returns_an_arn_built_from_region_account_and_name(sfn):
    created = sfn.create_state_machine(name="hello", definition=pass_definition(), roleArn=ROLE_ARN)
    assert created["stateMachineArn"] == f"{ARN_PREFIX}:stateMachine:hello"
    assert created["creationDate"].year >= 2024


def test_describe_returns_the_definition_byte_for_byte(sfn):
    definition = '{\n  "StartAt": "A",\n  "States": {"A": {"Type": "Pass", "End": true}}\n}\n'
    arn = sfn.create_state_machine(name="exact", definition=definition, roleArn=ROLE_ARN)["stateMachineArn"]
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["definition"] == definition
    assert described["name"] == "exact"
    assert described["roleArn"] == ROLE_ARN
    assert described["type"] == "STANDARD"
    assert described["status"] == "ACTIVE"


def test_create_with_the_same_name_and_definition_returns_the_existing_arn(sfn):
    first = sfn.create_state_machine(name="twice", definition=pass_definition(), roleArn=ROLE_ARN)
    second = sfn.create_state_machine(name="twice", definition=pass_definition(), roleArn=ROLE_ARN)
    assert second["stateMachineArn"] == first["stateMachineArn"]
    assert second["creationDate"] == first["creationDate"]


def test_create_with_the_same_name_and_another_definition_raises_already_exists(sfn):
    sfn.create_state_machine(name="taken", definition=pass_definition(1), roleArn=ROLE_ARN)
    with pytest.raises(sfn.exceptions.StateMachineAlreadyExists) as caught:
        sfn.create_state_machine(name="taken", definition=pass_definition(2), roleArn=ROLE_ARN)
    assert f"{ARN_PREFIX}:stateMachine:taken" in caught.value.response["Error"]["Message"]


def test_create_with_a_broken_definition_raises_invalid_definition_with_aws_text(sfn):
    with pytest.raises(sfn.exceptions.InvalidDefinition) as caught:
        sfn.create_state_machine(name="broken", definition='{"StartAt": "Nowhere", "States": {}}', roleArn=ROLE_ARN)
    assert caught.value.response["Error"]["Message"].startswith("Invalid State Machine Definition")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("name", ["has space", "sl/ash", "star*", "colon:", "x" * 81])
def test_create_with_an_invalid_name_raises_invalid_name_or_validation(sfn, name):
    with pytest.raises((sfn.exceptions.InvalidName, sfn.exceptions.ValidationException)):
        sfn.create_state_machine(name=name, definition=pass_definition(), roleArn=ROLE_ARN)


def test_create_with_a_role_that_is_not_an_iam_role_arn_raises_invalid_arn(sfn):
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.create_state_machine(name="norole", definition=pass_definition(), roleArn="not-an-arn")


def test_create_with_an_unknown_type_raises_validation_exception(sfn):
    with pytest.raises(sfn.exceptions.ClientError) as caught:
        sfn._make_api_call("CreateStateMachine", {"name": "t", "definition": pass_definition(),
                                                  "roleArn": ROLE_ARN, "type": "QUICK"})
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_describe_of_a_missing_state_machine_raises_does_not_exist(sfn):
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist) as caught:
        sfn.describe_state_machine(stateMachineArn=f"{ARN_PREFIX}:stateMachine:ghost")
    assert caught.value.response["Error"]["Message"] == (
        f"State Machine Does Not Exist: '{ARN_PREFIX}:stateMachine:ghost'"
    )


@pytest.mark.parametrize("arn", ["garbage", f"{ARN_PREFIX}:execution:a:b", "arn:aws:lambda:us-east-1:1:function:f"])
def test_describe_with_an_arn_of_the_wrong_kind_raises_invalid_arn(sfn, arn):
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_state_machine(stateMachineArn=arn)


def test_update_changes_the_definition_and_role_and_returns_an_update_date(sfn, make_state_machine):
    arn = make_state_machine("changing")
    new_role = "arn:aws:iam::123456789012:role/other"
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition("v2"), roleArn=new_role)
    assert updated["updateDate"].year >= 2024
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert json.loads(described["definition"])["States"]["Only"]["Result"] == "v2"
    assert described["roleArn"] == new_role
    assert described["revisionId"] == updated["revisionId"]


def test_update_with_a_broken_definition_raises_invalid_definition_and_keeps_the_old_one(sfn, make_state_machine):
    arn = make_state_machine("keep")
    with pytest.raises(sfn.exceptions.InvalidDefinition):
        sfn.update_state_machine(stateMachineArn=arn, definition="{not json")
    assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == pass_definition()


def test_update_without_anything_to_change_raises_missing_required_parameter(sfn, make_state_machine):
    arn = make_state_machine("nothing")
    with pytest.raises(sfn.exceptions.MissingRequiredParameter):
        sfn.update_state_machine(stateMachineArn=arn)


def test_update_of_a_missing_state_machine_raises_does_not_exist(sfn):
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.update_state_machine(stateMachineArn=f"{ARN_PREFIX}:stateMachine:ghost", definition=pass_definition())


def test_delete_removes_the_state_machine_and_a_second_delete_still_succeeds(sfn, make_state_machine):
    arn = make_state_machine("doomed")
    sfn.delete_state_machine(stateMachineArn=arn)
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=arn)
    sfn.delete_state_machine(stateMachineArn=arn)


def test_delete_with_an_invalid_arn_raises_invalid_arn(sfn):
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.delete_state_machine(stateMachineArn="nope")


def test_list_pages_through_every_state_machine_by_name(sfn, make_state_machine):
    for index in range(5):
        make_state_machine(f"sm-{index}")
    first = sfn.list_state_machines(maxResults=2)
    assert [sm["name"] for sm in first["stateMachines"]] == ["sm-0", "sm-1"]
    names = [sm["name"] for page in sfn.get_paginator("list_state_machines").paginate(PaginationConfig={"PageSize": 2})
             for sm in page["stateMachines"]]
    assert names == [f"sm-{index}" for index in range(5)]
    assert set(first["stateMachines"][0]) == {"stateMachineArn", "name", "type", "creationDate"}


def test_list_with_a_forged_token_raises_invalid_token(sfn):
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.list_state_machines(nextToken="forged-token")


def test_validate_reports_ok_for_a_good_definition(sfn):
    result = sfn.validate_state_machine_definition(definition=pass_definition())
    assert result["result"] == "OK"
    assert result["diagnostics"] == []


def test_validate_reports_every_problem_with_code_and_location(sfn):
    definition = json.dumps({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "Missing"},
        "B": {"Type": "Bogus", "End": True},
    }})
    result = sfn.validate_state_machine_definition(definition=definition)
    assert result["result"] == "FAIL"
    assert len(result["diagnostics"]) >= 2
    for diagnostic in result["diagnostics"]:
        assert diagnostic["severity"] == "ERROR"
        assert diagnostic["code"] and diagnostic["message"]
    locations = " ".join(d.get("location", "") for d in result["diagnostics"])
    assert "/States/A" in locations and "/States/B" in locations


def test_validate_truncates_to_max_results(sfn):
    states = {f"S{i}": {"Type": "Pass", "Next": f"Missing{i}"} for i in range(5)}
    result = sfn.validate_state_machine_definition(definition=json.dumps({"StartAt": "S0", "States": states}),
                                                   maxResults=2)
    assert len(result["diagnostics"]) == 2
    assert result["truncated"] is True


def test_validate_reports_text_that_is_not_json(sfn):
    result = sfn.validate_state_machine_definition(definition="{oops")
    assert result["result"] == "FAIL"
    assert result["diagnostics"][0]["severity"] == "ERROR"


def test_tags_can_be_added_listed_and_removed(sfn, make_state_machine):
    arn = make_state_machine("tagged")
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "ml"}, {"key": "env", "value": "dev"}])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "env", "value": "dev"}, {"key": "team", "value": "ml"}]
    sfn.untag_resource(resourceArn=arn, tagKeys=["env"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "ml"}]


def test_tags_given_at_creation_are_listed(sfn):
    arn = sfn.create_state_machine(name="born-tagged", definition=pass_definition(), roleArn=ROLE_ARN,
                                   tags=[{"key": "a", "value": "1"}])["stateMachineArn"]
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "a", "value": "1"}]


def test_tagging_a_missing_resource_raises_resource_not_found(sfn):
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.list_tags_for_resource(resourceArn=f"{ARN_PREFIX}:stateMachine:ghost")
