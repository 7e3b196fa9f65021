"""Optimized and AWS SDK integrations forwarded with boto3 to a moto server started here."""
from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from executor.resources import InvocationContext, ResourceFailure, invoke
from executor.resources.aws_services import sdk_error_name
from executor.runtime.base import ExecutionRequest
from executor.runtime.embedded import EmbeddedRuntime, MemorySink

from .servers import MotoServer

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:m:e"


@pytest.fixture(scope="module")
def moto():
    with MotoServer() as server:
        yield server


@pytest.fixture
def aws(moto, monkeypatch):
    monkeypatch.setenv("SWITCHYARD_AWS_ENDPOINT_URL", moto.url)
    return moto


@pytest.fixture
def table(aws):
    name = f"docs-{uuid.uuid4().hex[:8]}"
    aws.client("dynamodb").create_table(
        TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    return name


@pytest.fixture
def queue(aws):
    return aws.client("sqs").create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]


@pytest.fixture(scope="module")
def runtime():
    runtime = EmbeddedRuntime()
    yield runtime
    runtime.close()


def call(resource: str, parameters):
    return asyncio.run(invoke(resource, parameters, InvocationContext(execution_arn=EXECUTION, state_name="S")))


def failure(resource: str, parameters) -> ResourceFailure:
    with pytest.raises(ResourceFailure) as info:
        call(resource, parameters)
    return info.value


def run(runtime, definition: dict, value=None):
    name = uuid.uuid4().hex
    request = ExecutionRequest(
        execution_arn=f"arn:aws:states:us-east-1:123456789012:execution:m:{name}",
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m", state_machine_name="m",
        name=name, definition=json.dumps(definition), input=json.dumps({} if value is None else value),
        role_arn="arn:aws:iam::123456789012:role/r", start_time=time.time())
    return runtime.run_sync(request, MemorySink(), timeout=60)


def test_a_workflow_puts_an_item_then_gets_it_back_through_the_optimized_integration(runtime, table):
    definition = {"StartAt": "Put", "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": table, "Item": {"id": {"S.$": "$.id"}, "label": {"S.$": "$.label"}}},
                "ResultPath": "$.put", "Next": "Get"},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": table, "Key": {"id": {"S.$": "$.id"}}},
                "ResultSelector": {"label.$": "$.Item.label.S", "status.$": "$.SdkHttpMetadata.HttpStatusCode"},
                "End": True}}}
    result = run(runtime, definition, {"id": "doc-1", "label": "invoice"})
    assert result.status == "SUCCEEDED", result
    assert json.loads(result.output) == {"label": "invoice", "status": 200}


def test_a_failed_condition_is_caught_as_dynamodb_conditional_check_failed_exception(runtime, table):
    put = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
           "Parameters": {"TableName": table, "Item": {"id": {"S": "once"}},
                          "ConditionExpression": "attribute_not_exists(id)"}}
    definition = {"StartAt": "First", "States": {
        "First": {**put, "ResultPath": None, "Next": "Again"},
        "Again": {**put, "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                                    "ResultPath": "$.error", "Next": "Exists"}], "End": True},
        "Exists": {"Type": "Pass", "End": True}}}
    result = run(runtime, definition)
    assert result.status == "SUCCEEDED", result
    error = json.loads(result.output)["error"]
    assert error["Error"] == "DynamoDB.ConditionalCheckFailedException"
    assert "The conditional request failed" in error["Cause"] and "Status Code: 400" in error["Cause"]


def test_send_message_sends_a_json_body_as_text_and_returns_the_message_id(aws, queue):
    result = call("arn:aws:states:::sqs:sendMessage", {"QueueUrl": queue, "MessageBody": {"doc": "a.txt", "n": 1}})
    received = aws.client("sqs").receive_message(QueueUrl=queue)["Messages"][0]
    assert received["MessageId"] == result["MessageId"]
    assert json.loads(received["Body"]) == {"doc": "a.txt", "n": 1}
    assert result["MD5OfMessageBody"] == received["MD5OfBody"]


def test_a_missing_queue_fails_with_the_name_step_functions_gives_it(aws):
    missing = f"{aws.url}/123456789012/no-such-queue"
    optimized = failure("arn:aws:states:::sqs:sendMessage", {"QueueUrl": missing, "MessageBody": "x"})
    assert optimized.error == "SQS.QueueDoesNotExistException"
    sdk = failure("arn:aws:states:::aws-sdk:sqs:getQueueUrl", {"QueueName": "no-such-queue"})
    assert sdk.error == "Sqs.QueueDoesNotExistException"


def test_sdk_integrations_take_pascal_case_and_answer_in_pascal_case(aws, monkeypatch):
    # S3 Tasks use the local folder buckets unless SWITCHYARD_S3_ENDPOINT_URL names an S3 endpoint.
    monkeypatch.setenv("SWITCHYARD_S3_ENDPOINT_URL", aws.url)
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    call("arn:aws:states:::aws-sdk:s3:createBucket", {"Bucket": bucket})
    call("arn:aws:states:::aws-sdk:s3:putObject", {"Bucket": bucket, "Key": "k.txt", "Body": "hello"})
    got = call("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": bucket, "Key": "k.txt"})
    assert got["Body"] == "hello" and got["ContentLength"] == 5
    missing = failure("arn:aws:states:::aws-sdk:s3:getObject", {"Bucket": bucket, "Key": "nope"})
    assert missing.error == "S3.NoSuchKeyException"
    # Step Functions' own API is camelCase; the Task still writes PascalCase, both ways.
    listed = call("arn:aws:states:::aws-sdk:sfn:listStateMachines", {"MaxResults": 5})
    assert listed == {"StateMachines": []}


@pytest.mark.parametrize(("service_id", "expected"), [
    ("ACM PCA", "AcmPca"), ("DynamoDB", "DynamoDb"), ("SQS", "Sqs"), ("S3", "S3"), ("SFN", "Sfn"),
    ("SageMaker Runtime", "SageMakerRuntime"), ("Bedrock Runtime", "BedrockRuntime")])
def test_sdk_error_prefixes_are_the_service_in_pascal_case(service_id, expected):
    assert sdk_error_name(service_id) == expected


def test_without_an_endpoint_the_task_fails_naming_the_setting(monkeypatch):
    monkeypatch.delenv("SWITCHYARD_AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("SWITCHYARD_AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    error = failure("arn:aws:states:::dynamodb:getItem", {"TableName": "t", "Key": {}})
    assert error.error == "States.Runtime" and "SWITCHYARD_AWS_ENDPOINT_URL" in error.cause


def test_a_per_service_endpoint_overrides_the_general_one(moto, monkeypatch, table):
    monkeypatch.setenv("SWITCHYARD_AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SWITCHYARD_AWS_ENDPOINT_URL_DYNAMODB", moto.url)
    assert call("arn:aws:states:::dynamodb:getItem", {"TableName": table, "Key": {"id": {"S": "x"}}})[
        "SdkHttpMetadata"]["HttpStatusCode"] == 200


def test_publish_sends_a_json_message_as_text_to_the_topics_subscribers(aws, queue):
    sns = aws.client("sns")
    topic = sns.create_topic(Name=f"t-{uuid.uuid4().hex[:8]}")["TopicArn"]
    queue_arn = aws.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    result = call("arn:aws:states:::sns:publish", {"TopicArn": topic, "Message": {"doc": "a.txt"}})
    assert result["MessageId"] and result["SdkHttpMetadata"]["HttpStatusCode"] == 200
    body = aws.client("sqs").receive_message(QueueUrl=queue)["Messages"][0]["Body"]
    assert json.loads(body) == {"doc": "a.txt"}
    missing = failure("arn:aws:states:::sns:publish", {"TopicArn": topic + "-gone", "Message": "x"})
    assert missing.error == "SNS.NotFoundException"


def test_put_events_sends_each_detail_as_text(aws):
    result = call("arn:aws:states:::events:putEvents", {"Entries": [
        {"Source": "docs", "DetailType": "classified", "Detail": {"label": "invoice"}}]})
    assert result["FailedEntryCount"] == 0 and len(result["Entries"]) == 1
