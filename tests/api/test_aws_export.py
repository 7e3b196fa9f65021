"""Export for AWS: the ASL unchanged, and SAM / CloudFormation templates that cfn-lint accepts, with
every local binding a parameter and least-privilege policies."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from designer.aws_export import export_template

pytestmark = pytest.mark.django_db(transaction=True)

REGION, ACCOUNT = "us-east-1", "123456789012"
QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/review-queue"
EVERY_INTEGRATION = {
    "Comment": "Every integration Switchyard runs locally",
    "StartAt": "Fan",
    "States": {
        "Fan": {"Type": "Parallel", "Next": "Docs", "Branches": [
            {"StartAt": "Count", "States": {
                "Count": {"Type": "Task", "Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:word-count",
                          "Next": "Classify"},
                "Classify": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                             "Parameters": {"FunctionName": "classify-doc", "Payload.$": "$"}, "Next": "Score"},
                "Score": {"Type": "Task", "Resource": "arn:aws:states:::sagemaker:invokeEndpoint",
                          "Parameters": {"EndpointName": "doc-embedder", "Body": {"inputs.$": "$.text"}},
                          "End": True}}},
            {"StartAt": "Ask", "States": {
                "Ask": {"Type": "Task", "Resource": "arn:aws:states:::bedrock:invokeModel",
                        "Parameters": {"ModelId": "amazon.titan-embed-text-v2:0",
                                       "Input": {"S3Uri": "s3://doc-inbox/requests/one.json"},
                                       "Output": {"S3Uri": "s3://doc-results/embeddings/one.json"}},
                        "Next": "Call"},
                "Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
                         "Parameters": {"ApiEndpoint": "https://api.example.com/v1/tickets", "Method": "POST",
                                        "Authentication": {"ConnectionArn":
                                                           f"arn:aws:events:{REGION}:{ACCOUNT}:connection/Tickets/1"}},
                         "End": True}}}]},
        "Docs": {"Type": "Map", "ItemsPath": "$[0]", "Next": "Review", "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Save", "States": {
                "Save": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                         "Parameters": {"TableName": "doc-results", "Item": {"id": {"S.$": "$.id"}}}, "Next": "Load"},
                "Load": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                         "Parameters": {"TableName": "doc-results", "Key": {"id": {"S.$": "$.id"}}},
                         "Next": "Read"},
                "Read": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                         "Parameters": {"Bucket": "doc-inbox", "Key.$": "$.key"}, "End": True}}}},
        "Review": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                   "Parameters": {"QueueUrl": QUEUE_URL, "MessageBody": {"token.$": "$$.Task.Token"}},
                   "Next": "Notify"},
        "Notify": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                   "Parameters": {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:doc-events", "Message": "done"},
                   "Next": "Emit"},
        "Emit": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
                 "Parameters": {"Entries": [{"Source": "docs", "DetailType": "done", "Detail": {},
                                             "EventBusName": "docs-bus"}]}, "Next": "Child"},
        "Child": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                  "Parameters": {"StateMachineArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:child",
                                 "Input": {}}, "End": True},
    },
}


def resolve(value, parameters: dict):
    """A substitution's value with every parameter at its default, in us-east-1 of ACCOUNT."""
    if isinstance(value, dict) and "Ref" in value:
        return parameters[value["Ref"]]["Default"]
    pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": "amazonaws.com",
              "AWS::Partition": "aws"}
    return re.sub(r"\$\{([\w:]+)\}", lambda m: pseudo.get(m[1]) or parameters[m[1]]["Default"], value["Fn::Sub"])


def deployed_definition(properties: dict, parameters: dict) -> dict:
    """The definition AWS would deploy from the template with default parameters."""
    values = {key: resolve(value, parameters) for key, value in properties["DefinitionSubstitutions"].items()}
    text = json.dumps(properties["Definition"])
    return json.loads(re.sub(r"\$\{(\w+)\}", lambda m: values[m[1]], text))


def lint(template: dict) -> list[str]:
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(template), config=ManualArgs(regions=[REGION]))
    return [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches]


@pytest.mark.parametrize("fmt", ["sam", "cloudformation"])
def test_the_template_deploys_the_same_definition_with_every_local_binding_a_parameter(fmt):
    template = export_template(name="doc-flow", definition=json.dumps(EVERY_INTEGRATION), fmt=fmt)
    machine = next(r for r in template["Resources"].values() if r["Type"].endswith("StateMachine"))
    parameters = template["Parameters"]
    assert deployed_definition(machine["Properties"], parameters) == EVERY_INTEGRATION
    defaults = {p["Default"] for p in parameters.values()}
    assert {f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:word-count", "classify-doc", "doc-embedder",
            "amazon.titan-embed-text-v2:0", "doc-inbox", "doc-results", "https://api.example.com/v1/tickets",
            "review-queue", f"arn:aws:sns:{REGION}:{ACCOUNT}:doc-events"} <= defaults
    assert "123456789012" not in json.dumps(machine["Properties"]["Definition"]), "no account id is left in it"


def statements(template: dict) -> list[dict]:
    resource = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::StateMachine")
    return resource["Properties"]["Policies"][0]["Statement"]


def test_policies_allow_each_integration_on_its_own_resources_only():
    template = export_template(name="doc-flow", definition=json.dumps(EVERY_INTEGRATION), fmt="sam")
    by_action = {action: s["Resource"] for s in statements(template) for action in s["Action"]}
    assert by_action["dynamodb:PutItem"] == [{"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:"
                                                         "${AWS::AccountId}:table/${DocResultsTable}"}]
    assert by_action["sqs:SendMessage"] == [{"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:"
                                                        "${AWS::AccountId}:${ReviewQueueQueueName}"}]
    assert by_action["bedrock:InvokeModel"][0]["Fn::Sub"].endswith("foundation-model/${AmazonTitanEmbedTextV20ModelId}")
    assert by_action["s3:GetObject"] and by_action["s3:PutObject"] and by_action["sns:Publish"]
    assert by_action["lambda:InvokeFunction"] and by_action["states:StartExecution"]
    assert by_action["events:RetrieveConnectionCredentials"] == [{"Ref": "TicketsConnectionArn"}]
    wildcard = {a for a, resources in by_action.items() if resources == ["*"]}
    # Only what AWS scopes by other means (HTTP by condition) or per execution (.sync's child) is "*".
    assert wildcard == {"states:InvokeHTTPEndpoint", "states:DescribeExecution", "states:StopExecution"}


@pytest.mark.parametrize("fmt", ["sam", "cloudformation"])
def test_cfn_lint_accepts_the_template(fmt):
    if fmt == "sam":
        pytest.importorskip("samtranslator", reason="cfn-lint needs aws-sam-translator for SAM templates")
    template = export_template(name="doc-flow", definition=json.dumps(EVERY_INTEGRATION), fmt=fmt)
    assert lint(template) == []


def test_cfn_lint_rejects_a_broken_template():
    """The check above can fail: a template with a bad property does not pass."""
    template = export_template(name="doc-flow", definition=json.dumps(EVERY_INTEGRATION), fmt="cloudformation")
    template["Resources"]["DocFlowStateMachine"]["Properties"]["StateMachineType"] = "SOMETIMES"
    assert lint(template)


def test_the_rest_api_exports_the_asl_byte_for_byte_and_the_templates(api):
    text = json.dumps(EVERY_INTEGRATION, indent=3) + "\n"
    created = api.post(reverse("state-machine-list"), {"name": "doc-flow", "definition": text})
    assert created.status_code == 201, created.json()
    url = reverse("state-machine-export", args=["doc-flow"])
    asl = api.get(url, format="asl")
    assert asl.status_code == 200 and asl.content.decode() == text
    assert 'filename="doc-flow.asl.json"' in asl["Content-Disposition"]
    sam = api.get(url, format="sam")
    assert sam.status_code == 200 and json.loads(sam.content)["Transform"] == "AWS::Serverless-2016-10-31"
    cfn = json.loads(api.get(url, format="cloudformation").content)
    assert {r["Type"] for r in cfn["Resources"].values()} == {"AWS::IAM::Role", "AWS::StepFunctions::StateMachine"}
    bad = api.get(url, format="terraform")
    assert bad.status_code == 400 and bad.json()["code"] == "ValidationException"
    assert api.get(reverse("state-machine-export", args=["ghost"])).status_code == 404


def test_the_command_writes_a_template_for_a_saved_machine_or_a_file(api, tmp_path):
    api.post(reverse("state-machine-list"), {"name": "doc-flow", "definition": json.dumps(EVERY_INTEGRATION)})
    out = tmp_path / "template.json"
    call_command("export_aws", "doc-flow", "--format", "cloudformation", "--out", str(out))
    assert json.loads(out.read_text())["Resources"]["DocFlowStateMachine"]["Properties"]["StateMachineName"] == \
        "doc-flow"
    source = tmp_path / "flow.asl.json"
    source.write_text(json.dumps(EVERY_INTEGRATION))
    call_command("export_aws", "--file", str(source), "--format", "sam", "--out", str(out))
    assert "FlowStateMachine" in json.loads(out.read_text())["Resources"]


EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.asl.json"))


@pytest.mark.parametrize("fmt", ["sam", "cloudformation"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name.split(".")[0])
def test_cfn_lint_accepts_every_examples_template(example, fmt):
    if fmt == "sam":
        pytest.importorskip("samtranslator", reason="cfn-lint needs aws-sam-translator for SAM templates")
    template = export_template(name=example.name.split(".")[0], definition=example.read_text(), fmt=fmt)
    assert lint(template) == []


def test_the_ai_pipeline_examples_template_binds_its_model_bucket_table_and_queue():
    example = next(p for p in EXAMPLES if p.name == "ai-document-pipeline.asl.json")
    template = export_template(name="ai-document-pipeline", definition=example.read_text(), fmt="sam")
    defaults = {p["Default"] for p in template["Parameters"].values()}
    assert {"amazon.titan-embed-text-v2:0", "doc-classifier", "doc-inbox", "doc-results", "doc-events"} <= defaults
    actions = {a for s in statements(template) for a in s["Action"]}
    assert actions == {"s3:GetObject", "bedrock:InvokeModel", "sagemaker:InvokeEndpoint", "dynamodb:PutItem",
                       "sqs:SendMessage"}


def test_a_distributed_map_gets_child_execution_and_bucket_policies():
    definition = json.loads((Path(__file__).resolve().parents[2] / "examples" / "distributed-notes.asl.json")
                            .read_text())
    template = export_template(name="notes", definition=json.dumps(definition), fmt="sam")
    by_action: dict[str, list] = {}
    for statement in statements(template):
        for action in statement["Action"]:
            by_action.setdefault(action, []).extend(statement["Resource"])
    machine = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}"
    assert by_action["states:StartExecution"] == [{"Fn::Sub": f"{machine}:stateMachine:notes"}]
    assert by_action["states:DescribeExecution"] == [{"Fn::Sub": f"{machine}:execution:notes/*"}]
    assert {"Fn::Sub": "arn:${AWS::Partition}:s3:::${NotesBucket}"} in by_action["s3:ListBucket"]
    assert by_action["s3:PutObject"] == [{"Fn::Sub": "arn:${AWS::Partition}:s3:::${NotesEmbeddingsBucket}/*"}]
    parameters = template["Parameters"]
    assert parameters["NotesBucket"]["Default"] == "notes"
    assert parameters["NotesEmbeddingsBucket"]["Default"] == "notes-embeddings"
    body = template["Resources"]["NotesStateMachine"]["Properties"]["Definition"]
    assert body["States"]["EmbedNotes"]["ItemReader"]["Parameters"]["Bucket"] == "${NotesBucket}"
    assert lint(export_template(name="notes", definition=json.dumps(definition), fmt="cloudformation")) == []
