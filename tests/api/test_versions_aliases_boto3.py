"""State machine versions and aliases through boto3 (and the AWS CLI), over real HTTP."""
from __future__ import annotations

import json

import pytest

from tests.api.conftest import ROLE_ARN, pass_definition, wait_for_end

ARN_PREFIX = "arn:aws:states:us-east-1:123456789012"


def _result(sfn, execution_arn: str) -> object:
    return json.loads(wait_for_end(sfn, execution_arn)["output"])


@pytest.fixture
def two_versions(sfn, make_state_machine):
    """A state machine with version 1 answering "v1", version 2 answering "v2", and "v3" unpublished."""
    arn = make_state_machine("shipped", pass_definition("v1"))
    first = sfn.publish_state_machine_version(stateMachineArn=arn, description="first")["stateMachineVersionArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition("v2"))
    second = sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition("v3"))
    return arn, first, second


def _alias(sfn, name: str, *routes: tuple[str, int], description: str | None = None) -> str:
    params = {"name": name, "routingConfiguration": [{"stateMachineVersionArn": arn, "weight": weight}
                                                     for arn, weight in routes]}
    if description is not None:
        params["description"] = description
    return sfn.create_state_machine_alias(**params)["stateMachineAliasArn"]


# --- versions


def test_published_versions_are_numbered_from_one_and_keep_the_definition_they_were_published_with(
        sfn, two_versions):
    arn, first, second = two_versions
    assert (first, second) == (f"{arn}:1", f"{arn}:2")
    described = sfn.describe_state_machine(stateMachineArn=first)
    assert described["stateMachineArn"] == first
    assert described["definition"] == pass_definition("v1")
    assert described["description"] == "first"
    assert described["roleArn"] == ROLE_ARN
    assert described["name"] == "shipped"
    assert "description" not in sfn.describe_state_machine(stateMachineArn=second)
    assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == pass_definition("v3")


def test_publishing_an_unchanged_revision_returns_the_latest_version_again(sfn, make_state_machine):
    arn = make_state_machine("steady")
    first = sfn.publish_state_machine_version(stateMachineArn=arn)
    again = sfn.publish_state_machine_version(stateMachineArn=arn, description="ignored")
    assert again["stateMachineVersionArn"] == first["stateMachineVersionArn"] == f"{arn}:1"
    assert again["creationDate"] == first["creationDate"]
    sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition())  # the same text: no new revision
    assert sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"] == f"{arn}:1"
    assert len(sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]) == 1


def test_publish_with_a_revision_id_that_is_no_longer_current_raises_conflict(sfn, make_state_machine):
    arn = make_state_machine("racing")
    assert sfn.publish_state_machine_version(stateMachineArn=arn, revisionId="INITIAL")["stateMachineVersionArn"]
    revision = sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition(2))["revisionId"]
    current = sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition(3))["revisionId"]
    with pytest.raises(sfn.exceptions.ConflictException) as caught:
        sfn.publish_state_machine_version(stateMachineArn=arn, revisionId=revision)
    assert caught.value.response["Error"]["Message"] == (
        f"Failed to publish the State Machine version for revision {revision}. "
        f"The current State Machine revision is {current}.")
    published = sfn.publish_state_machine_version(stateMachineArn=arn, revisionId=current)
    assert sfn.describe_state_machine(stateMachineArn=published["stateMachineVersionArn"])["revisionId"] == current


def test_version_numbers_are_not_reused_after_a_delete(sfn, two_versions):
    arn, _, second = two_versions
    sfn.delete_state_machine_version(stateMachineVersionArn=second)
    assert sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"] == f"{arn}:3"


def test_versions_are_listed_newest_first_a_page_at_a_time(sfn, make_state_machine):
    arn = make_state_machine("many")
    for result in range(3):
        sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition(result), publish=True)
    first = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=2)
    assert [v["stateMachineVersionArn"] for v in first["stateMachineVersions"]] == [f"{arn}:3", f"{arn}:2"]
    rest = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=2, nextToken=first["nextToken"])
    assert [v["stateMachineVersionArn"] for v in rest["stateMachineVersions"]] == [f"{arn}:1"]
    assert "nextToken" not in rest


def test_create_with_publish_returns_version_one_with_its_description(sfn):
    created = sfn.create_state_machine(name="born", definition=pass_definition(), roleArn=ROLE_ARN,
                                       publish=True, versionDescription="launch")
    assert created["stateMachineVersionArn"] == f"{created['stateMachineArn']}:1"
    assert sfn.describe_state_machine(stateMachineArn=created["stateMachineVersionArn"])["description"] == "launch"
    again = sfn.create_state_machine(name="born", definition=pass_definition(), roleArn=ROLE_ARN,
                                     publish=True, versionDescription="launch")
    assert again["stateMachineVersionArn"] == created["stateMachineVersionArn"]
    assert "stateMachineVersionArn" not in sfn.create_state_machine(name="plain", definition=pass_definition(),
                                                                    roleArn=ROLE_ARN)


@pytest.mark.parametrize("action", ["create", "update"])
def test_a_version_description_without_publish_raises_validation_exception(sfn, make_state_machine, action):
    with pytest.raises(sfn.exceptions.ValidationException) as caught:
        if action == "create":
            sfn.create_state_machine(name="nodesc", definition=pass_definition(), roleArn=ROLE_ARN,
                                     versionDescription="nope")
        else:
            sfn.update_state_machine(stateMachineArn=make_state_machine("nodesc"), definition=pass_definition(2),
                                     versionDescription="nope")
    assert caught.value.response["Error"]["Message"] == "Version description can only be set when publish is true"


def test_update_with_publish_returns_the_new_version_and_revision(sfn, make_state_machine):
    arn = make_state_machine("evolving")
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition(2), publish=True,
                                       versionDescription="second draft")
    assert updated["stateMachineVersionArn"] == f"{arn}:1"
    version = sfn.describe_state_machine(stateMachineArn=updated["stateMachineVersionArn"])
    assert version["revisionId"] == updated["revisionId"]
    assert version["description"] == "second draft"
    assert "stateMachineVersionArn" not in sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition(3))


def test_update_or_describe_through_a_missing_or_version_arn_raises_does_not_exist(sfn, two_versions):
    arn, first, _ = two_versions
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist) as caught:
        sfn.update_state_machine(stateMachineArn=first, definition=pass_definition(9))
    assert caught.value.response["Error"]["Message"] == f"State Machine Does Not Exist: '{first}'"
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=f"{arn}:42")


def test_deleting_a_missing_version_succeeds_and_a_plain_arn_is_refused(sfn, make_state_machine):
    arn = make_state_machine("sparse")
    sfn.delete_state_machine_version(stateMachineVersionArn=f"{arn}:7")
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.delete_state_machine_version(stateMachineVersionArn=arn)


# --- executions of versions and aliases


def test_starting_a_version_runs_that_version_and_the_execution_says_so(sfn, two_versions):
    arn, first, _ = two_versions
    started = sfn.start_execution(stateMachineArn=first)
    assert started["executionArn"].startswith(f"{ARN_PREFIX}:execution:shipped:")
    assert _result(sfn, started["executionArn"]) == "v1"
    described = sfn.describe_execution(executionArn=started["executionArn"])
    assert described["stateMachineArn"] == arn
    assert described["stateMachineVersionArn"] == first
    assert "stateMachineAliasArn" not in described
    ran = sfn.describe_state_machine_for_execution(executionArn=started["executionArn"])
    assert ran["definition"] == pass_definition("v1")
    latest = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert _result(sfn, latest) == "v3"
    assert "stateMachineVersionArn" not in sfn.describe_execution(executionArn=latest)


def test_starting_through_an_alias_records_the_alias_and_the_version_it_picked(sfn, two_versions):
    arn, _, second = two_versions
    alias = _alias(sfn, "live", (second, 100))
    assert alias == f"{arn}:live"
    started = sfn.start_execution(stateMachineArn=alias, name="through-alias")
    assert _result(sfn, started["executionArn"]) == "v2"
    described = sfn.describe_execution(executionArn=started["executionArn"])
    assert (described["stateMachineAliasArn"], described["stateMachineVersionArn"]) == (alias, second)
    listed = sfn.list_executions(stateMachineArn=arn)["executions"][0]
    assert (listed["stateMachineAliasArn"], listed["stateMachineVersionArn"]) == (alias, second)


def test_an_alias_splits_executions_between_two_versions_by_weight(sfn, two_versions):
    _, first, second = two_versions
    split = _alias(sfn, "canary", (first, 50), (second, 50))
    picked = {sfn.describe_execution(executionArn=sfn.start_execution(stateMachineArn=split)["executionArn"])
              ["stateMachineVersionArn"] for _ in range(30)}
    assert picked == {first, second}  # each missing from 30 fair draws: 2 in a billion
    never = _alias(sfn, "all-first", (first, 100), (second, 0))
    picked = {sfn.describe_execution(executionArn=sfn.start_execution(stateMachineArn=never)["executionArn"])
              ["stateMachineVersionArn"] for _ in range(10)}
    assert picked == {first}


def test_list_executions_of_a_version_or_an_alias_lists_only_those_it_started(sfn, two_versions):
    arn, first, second = two_versions
    alias = _alias(sfn, "stable", (first, 100))
    by_alias = sfn.start_execution(stateMachineArn=alias)["executionArn"]
    by_version = sfn.start_execution(stateMachineArn=second)["executionArn"]
    plain = sfn.start_execution(stateMachineArn=arn)["executionArn"]

    def listed(target: str) -> set[str]:
        return {ex["executionArn"] for ex in sfn.list_executions(stateMachineArn=target)["executions"]}

    assert listed(alias) == {by_alias}
    assert listed(first) == {by_alias}
    assert listed(second) == {by_version}
    assert listed(arn) == {by_alias, by_version, plain}


def test_start_sync_execution_runs_the_version_an_express_alias_names(sfn, make_state_machine):
    arn = make_state_machine("quick", pass_definition("old"), type="EXPRESS")
    old = sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition("new"))
    alias = _alias(sfn, "pinned", (old, 100))
    ran = sfn.start_sync_execution(stateMachineArn=alias, input="{}")
    assert ran["status"] == "SUCCEEDED"
    assert json.loads(ran["output"]) == "old"
    assert json.loads(sfn.start_sync_execution(stateMachineArn=arn)["output"]) == "new"


def test_starting_a_missing_version_or_alias_raises_does_not_exist(sfn, two_versions):
    arn, _, _ = two_versions
    for missing in (f"{arn}:9", f"{arn}:nobody"):
        with pytest.raises(sfn.exceptions.StateMachineDoesNotExist) as caught:
            sfn.start_execution(stateMachineArn=missing)
        assert caught.value.response["Error"]["Message"] == f"State Machine Does Not Exist: '{missing}'"


# --- aliases


def test_an_alias_is_created_described_updated_listed_and_deleted(sfn, two_versions):
    arn, first, second = two_versions
    alias = _alias(sfn, "prod", (first, 100), description="what customers run")
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert described["name"] == "prod"
    assert described["description"] == "what customers run"
    assert described["routingConfiguration"] == [{"stateMachineVersionArn": first, "weight": 100}]
    assert described["updateDate"] == described["creationDate"]

    sfn.update_state_machine_alias(stateMachineAliasArn=alias, description="shifting")
    updated = sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[
        {"stateMachineVersionArn": first, "weight": 90}, {"stateMachineVersionArn": second, "weight": 10}])
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert described["description"] == "shifting"
    assert [(r["stateMachineVersionArn"], r["weight"]) for r in described["routingConfiguration"]] == [
        (first, 90), (second, 10)]
    assert described["updateDate"] == updated["updateDate"] >= described["creationDate"]

    other = _alias(sfn, "beta", (second, 100))
    assert [a["stateMachineAliasArn"] for a in sfn.list_state_machine_aliases(stateMachineArn=arn)
            ["stateMachineAliases"]] == [alias, other]
    assert [a["stateMachineAliasArn"] for a in sfn.list_state_machine_aliases(stateMachineArn=first)
            ["stateMachineAliases"]] == [alias]

    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)  # gone already: still a success
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert sfn.describe_state_machine(stateMachineArn=first)["stateMachineArn"] == first  # versions stay


def test_creating_an_alias_again_is_idempotent_and_differently_a_conflict(sfn, two_versions):
    _, first, second = two_versions
    created = sfn.create_state_machine_alias(name="same", description="d",
                                             routingConfiguration=[{"stateMachineVersionArn": first, "weight": 100}])
    again = sfn.create_state_machine_alias(name="same", description="d",
                                           routingConfiguration=[{"stateMachineVersionArn": first, "weight": 100}])
    assert again == {**created, "ResponseMetadata": again["ResponseMetadata"]}
    with pytest.raises(sfn.exceptions.ConflictException) as caught:
        _alias(sfn, "same", (second, 100), description="d")
    assert caught.value.response["Error"]["Message"] == (
        "Failed to create alias because an alias with the same name and a different routing configuration "
        "already exists.")


@pytest.mark.parametrize("routes, message", [
    (lambda a, v1, v2: [(v1, 50), (v1, 50)], "Routing configuration must contain distinct state machine version "
                                             "ARNs. Received: [{v1}, {v1}]"),
    (lambda a, v1, v2: [(v1, 70), (v2, 29)], "Sum of routing configuration weights must equal 100. Received: "
                                             "[70, 29]"),
    (lambda a, v1, v2: [(a, 100)], "Routing configuration must contain state machine version ARNs. "
                                   "Received: [{a}]"),
    (lambda a, v1, v2: [(f"{a}:8", 100)], "Routing configuration must contain state machine version ARNs. "
                                          "Received: [{a}:8]"),
    (lambda a, v1, v2: [(v1, 101)], "1 validation error detected: Value '101' at "
                                    "'routingConfiguration.1.member.weight' failed to satisfy constraint: "
                                    "Member must have value less than or equal to 100"),
], ids=["duplicate", "sum-not-100", "not-a-version", "missing-version", "weight-over-100"])
def test_an_alias_with_a_bad_routing_is_refused_with_aws_text(sfn, two_versions, routes, message):
    arn, first, second = two_versions
    with pytest.raises(sfn.exceptions.ValidationException) as caught:
        sfn._make_api_call("CreateStateMachineAlias", {"name": "bad", "routingConfiguration": [
            {"stateMachineVersionArn": version, "weight": weight} for version, weight in routes(arn, first, second)]})
    assert caught.value.response["Error"]["Message"] == message.format(a=arn, v1=first, v2=second)


def test_an_alias_name_of_digits_only_is_refused(sfn, two_versions):
    _, first, _ = two_versions
    with pytest.raises(sfn.exceptions.ValidationException) as caught:
        _alias(sfn, "123", (first, 100))
    assert "at 'name' failed to satisfy constraint" in caught.value.response["Error"]["Message"]


def test_an_alias_cannot_route_to_versions_of_two_state_machines(sfn, two_versions, make_state_machine):
    _, first, _ = two_versions
    elsewhere = sfn.publish_state_machine_version(stateMachineArn=make_state_machine("other"))
    with pytest.raises(sfn.exceptions.ValidationException):
        _alias(sfn, "mixed", (first, 50), (elsewhere["stateMachineVersionArn"], 50))


def test_updating_an_alias_needs_something_to_change_and_an_alias_that_exists(sfn, two_versions):
    arn, first, _ = two_versions
    alias = _alias(sfn, "idle", (first, 100))
    with pytest.raises(sfn.exceptions.MissingRequiredParameter):
        sfn.update_state_machine_alias(stateMachineAliasArn=alias)
    with pytest.raises(sfn.exceptions.ResourceNotFound) as caught:
        sfn.update_state_machine_alias(stateMachineAliasArn=f"{arn}:ghost", description="x")
    assert caught.value.response["Error"]["Message"] == "Request references a resource that does not exist."


def test_a_version_an_alias_routes_to_cannot_be_deleted_until_the_alias_moves(sfn, two_versions):
    _, first, second = two_versions
    alias = _alias(sfn, "holder", (first, 100))
    with pytest.raises(sfn.exceptions.ConflictException) as caught:
        sfn.delete_state_machine_version(stateMachineVersionArn=first)
    assert caught.value.response["Error"]["Message"] == (
        "Version to be deleted must not be referenced by an alias. "
        "Current list of aliases referencing this version: [holder]")
    sfn.update_state_machine_alias(stateMachineAliasArn=alias,
                                   routingConfiguration=[{"stateMachineVersionArn": second, "weight": 100}])
    sfn.delete_state_machine_version(stateMachineVersionArn=first)
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=first)


def test_an_execution_keeps_naming_its_version_after_the_version_is_deleted(sfn, two_versions):
    _, first, _ = two_versions
    started = sfn.start_execution(stateMachineArn=first)["executionArn"]
    wait_for_end(sfn, started)
    sfn.delete_state_machine_version(stateMachineVersionArn=first)
    assert sfn.describe_execution(executionArn=started)["stateMachineVersionArn"] == first


def test_deleting_a_state_machine_deletes_its_versions_and_aliases(sfn, two_versions):
    arn, first, _ = two_versions
    alias = _alias(sfn, "doomed", (first, 100))
    sfn.delete_state_machine(stateMachineArn=arn)
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=first)
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    recreated = sfn.create_state_machine(name="shipped", definition=pass_definition(), roleArn=ROLE_ARN)
    assert sfn.list_state_machine_versions(stateMachineArn=recreated["stateMachineArn"])["stateMachineVersions"] == []
    assert sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"] == []


def test_the_cli_publishes_lists_and_routes_an_alias(aws):
    arn = aws("create-state-machine", "--name", "cli-versions", "--definition", pass_definition(),
              "--role-arn", ROLE_ARN, "--publish", "--version-description", "from the CLI")["stateMachineArn"]
    versions = aws("list-state-machine-versions", "--state-machine-arn", arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in versions] == [f"{arn}:1"]
    alias = aws("create-state-machine-alias", "--name", "live", "--routing-configuration",
                f"stateMachineVersionArn={arn}:1,weight=100")["stateMachineAliasArn"]
    assert aws("describe-state-machine-alias", "--state-machine-alias-arn", alias)["routingConfiguration"] == [
        {"stateMachineVersionArn": f"{arn}:1", "weight": 100}]
    aws("delete-state-machine-version", "--state-machine-version-arn", f"{arn}:1", expect_error="ConflictException")
