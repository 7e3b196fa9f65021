"""Export a state machine for AWS: its ASL unchanged, or an AWS SAM / CloudFormation template.

The template holds the state machine with its definition, each local binding the definition
names (Lambda functions, SageMaker endpoints, Bedrock model ids, buckets, tables, queues, topics,
HTTP URLs and connections) turned into a template parameter through ``DefinitionSubstitutions``
(its default is the value the definition holds), and an execution role with least-privilege
statements for the integrations the definition uses. The ASL file itself is never rewritten:
only the template's copy carries the ``${...}`` placeholders.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

__all__ = ["FORMATS", "export_template", "template_text"]

FORMATS = ("sam", "cloudformation")
STATES = "arn:aws:states:::"
_PARTITION = "arn:${AWS::Partition}"
_LAMBDA_ARN = re.compile(r"^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$")
_SQS_URL = re.compile(r"^https://sqs\.[\w-]+\.amazonaws\.com(\.cn)?/\d{12}/(?P<name>[\w-]+(\.fifo)?)$")
#: SDK integration service -> IAM prefix, where they differ
_IAM_PREFIX = {"sfn": "states", "eventbridge": "events", "sagemakerruntime": "sagemaker",
               "bedrockruntime": "bedrock", "cloudwatchlogs": "logs", "elasticloadbalancingv2": "elasticloadbalancing"}
#: SDK actions whose IAM action is named otherwise
_IAM_ACTION = {("s3", "ListObjectsV2"): "ListBucket", ("s3", "ListObjects"): "ListBucket",
               ("s3", "HeadObject"): "GetObject", ("s3", "HeadBucket"): "ListBucket"}


@dataclass
class _Template:
    """What walking the definition collects: parameters, substitutions and policy statements."""

    parameters: dict[str, dict] = field(default_factory=dict)
    substitutions: dict[str, Any] = field(default_factory=dict)
    statements: list[dict] = field(default_factory=list)
    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)

    def parameter(self, kind: str, value: str, description: str) -> str:
        """The template parameter (default ``value``) for one binding; the same value, the same one."""
        known = self._by_value.get((kind, value))
        if known:
            return known
        stem = _stem(value)
        name, n = f"{stem}{kind}", 2
        while name in self.parameters:
            name, n = f"{stem}{kind}{n}", n + 1
        self.parameters[name] = {"Type": "String", "Default": value, "Description": description}
        self.substitutions[name] = {"Ref": name}
        self._by_value[(kind, value)] = name
        return name

    def allow(self, actions: list[str], resources: list[Any]) -> None:
        statement = {"Effect": "Allow", "Action": sorted(set(actions)), "Resource": resources}
        if statement not in self.statements:
            self.statements.append(statement)


def _stem(value: str) -> str:
    """A parameter's name stem: what the value binds (the function, table, model, URL's last part)."""
    if ":connection/" in value:  # connection/NAME/uuid
        value = value.split(":connection/", 1)[1].split("/", 1)[0]
    elif value.startswith("arn:"):
        value = re.split(r"[:/]", value.rstrip("/"))[-1] or value
    elif "://" in value:
        value = value.split("://", 1)[1].rstrip("/").rsplit("/", 1)[-1]
    stem = _logical_id(value, "Value")[:40]
    return stem if stem[0].isalpha() else "P" + stem


def _sub(text: str) -> dict:
    return {"Fn::Sub": text}


def _literal(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and not value.startswith("{%")


def _tasks(states: dict) -> Iterator[dict]:
    """Every Task state, in branches and item processors too."""
    for state in states.values():
        if not isinstance(state, dict):
            continue
        if state.get("Type") == "Task":
            yield state
        for branch in state.get("Branches") or []:
            yield from _tasks(branch.get("States") or {})
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if isinstance(processor, dict):
            yield from _tasks(processor.get("States") or {})


def _distributed_maps(states: dict) -> Iterator[dict]:
    """Every Map state whose ItemProcessor runs DISTRIBUTED, in branches and item processors too."""
    for state in states.values():
        if not isinstance(state, dict):
            continue
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if isinstance(processor, dict):
            config = processor.get("ProcessorConfig")
            if state.get("Type") == "Map" and isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED":
                yield state
            yield from _distributed_maps(processor.get("States") or {})
        for branch in state.get("Branches") or []:
            yield from _distributed_maps(branch.get("States") or {})


def _distributed_map(t: _Template, state: dict, machine_name: str) -> None:
    """A Distributed Map starts child executions of its own state machine, and its ItemReader and
    ResultWriter read and write S3 (as AWS's policy for them names)."""
    machine = f"{_PARTITION}:states:${{AWS::Region}}:${{AWS::AccountId}}"
    t.allow(["states:StartExecution"], [_sub(f"{machine}:stateMachine:{machine_name}")])
    t.allow(["states:DescribeExecution", "states:StopExecution"], [_sub(f"{machine}:execution:{machine_name}/*")])
    for field_name, actions in (("ItemReader", None),
                                ("ResultWriter", ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts",
                                                  "s3:AbortMultipartUpload"])):
        spec = state.get(field_name)
        if not isinstance(spec, dict):
            continue
        key = "Arguments" if isinstance(spec.get("Arguments"), dict) else "Parameters"
        args = spec.get(key) if isinstance(spec.get(key), dict) else None
        bucket = args.get("Bucket") if args is not None else None
        if not _literal(bucket):
            t.allow(actions or ["s3:GetObject", "s3:ListBucket"], ["*"])
            continue
        name = t.parameter("Bucket", bucket, "S3 bucket (locally: a folder of SWITCHYARD_BUCKETS_DIR)")
        args["Bucket"] = f"${{{name}}}"
        if actions is None and str(spec.get("Resource", "")).endswith(":listObjectsV2"):
            t.allow(["s3:ListBucket"], [_sub(f"{_PARTITION}:s3:::${{{name}}}")])
        else:
            t.allow(actions or ["s3:GetObject"], [_sub(f"{_PARTITION}:s3:::${{{name}}}/*")])


def _pascal(action: str) -> str:
    return action[:1].upper() + action[1:]


# -- one function per integration: put placeholders in the state, add parameters and statements --


def _lambda(t: _Template, state: dict, args: dict | None) -> None:
    resource = state["Resource"]
    if _LAMBDA_ARN.match(resource):
        name = t.parameter("FunctionArn", resource, "Lambda function this state calls")
        state["Resource"] = f"${{{name}}}"
        t.allow(["lambda:InvokeFunction"], [{"Ref": name}])
        return
    if args is not None and _literal(args.get("FunctionName")):
        value = args["FunctionName"]
        name = t.parameter("Function", value, "Lambda function (name or ARN) this state invokes")
        args["FunctionName"] = f"${{{name}}}"
        arn = {"Ref": name} if value.startswith("arn:") else _sub(
            f"{_PARTITION}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:${{{name}}}")
        star = _sub(f"${{{name}}}:*") if value.startswith("arn:") else _sub(
            f"{_PARTITION}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:${{{name}}}:*")
        t.allow(["lambda:InvokeFunction"], [arn, star])
    else:
        t.allow(["lambda:InvokeFunction"], ["*"])


def _sagemaker(t: _Template, args: dict | None) -> None:
    if args is not None and _literal(args.get("EndpointName")):
        name = t.parameter("EndpointName", args["EndpointName"], "SageMaker endpoint (locally: a model binding)")
        args["EndpointName"] = f"${{{name}}}"
        # Endpoint ARNs are lower case whatever the name's case.
        t.allow(["sagemaker:InvokeEndpoint"],
                [_sub(f"{_PARTITION}:sagemaker:${{AWS::Region}}:${{AWS::AccountId}}:endpoint/*")])
    else:
        t.allow(["sagemaker:InvokeEndpoint"], ["*"])


def _bucket_uri(t: _Template, holder: dict, key: str, actions: list[str]) -> None:
    uri = (holder.get(key) or {}).get("S3Uri") if isinstance(holder.get(key), dict) else None
    if _literal(uri) and uri.startswith("s3://") and "/" in uri[5:]:
        bucket, rest = uri[5:].split("/", 1)
        name = t.parameter("Bucket", bucket, "S3 bucket (locally: a folder of SWITCHYARD_BUCKETS_DIR)")
        holder[key] = {**holder[key], "S3Uri": f"s3://${{{name}}}/{rest}"}
        t.allow(actions, [_sub(f"{_PARTITION}:s3:::${{{name}}}/*")])
    elif key in holder:
        t.allow(actions, ["*"])


def _bedrock(t: _Template, args: dict | None) -> None:
    if args is None:
        t.allow(["bedrock:InvokeModel"], ["*"])
        return
    model = args.get("ModelId")
    if _literal(model) and not model.startswith("arn:"):
        name = t.parameter("ModelId", model, "Bedrock model id (locally: SWITCHYARD_BEDROCK_MODELS)")
        args["ModelId"] = f"${{{name}}}"
        t.allow(["bedrock:InvokeModel"], [_sub(f"{_PARTITION}:bedrock:${{AWS::Region}}::foundation-model/${{{name}}}")])
    else:
        t.allow(["bedrock:InvokeModel"], ["*"])
    _bucket_uri(t, args, "Input", ["s3:GetObject"])
    _bucket_uri(t, args, "Output", ["s3:PutObject"])


def _http(t: _Template, args: dict | None) -> None:
    if args is not None and _literal(args.get("ApiEndpoint")):
        name = t.parameter("ApiEndpoint", args["ApiEndpoint"], "URL this HTTP Task calls")
        args["ApiEndpoint"] = f"${{{name}}}"
    connection = (args or {}).get("Authentication") or {}
    resources: list[Any] = ["*"]
    if _literal(connection.get("ConnectionArn")):
        name = t.parameter("ConnectionArn", connection["ConnectionArn"], "EventBridge connection of an HTTP Task")
        args["Authentication"] = {**connection, "ConnectionArn": f"${{{name}}}"}
        resources = [{"Ref": name}]
    t.allow(["states:InvokeHTTPEndpoint"], ["*"])
    t.allow(["events:RetrieveConnectionCredentials"], resources)
    t.allow(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            [_sub(f"{_PARTITION}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:events!connection/*")])


def _dynamodb(t: _Template, action: str, args: dict | None) -> None:
    resources: list[Any] = ["*"]
    if args is not None and _literal(args.get("TableName")):
        name = t.parameter("Table", args["TableName"], "DynamoDB table")
        args["TableName"] = f"${{{name}}}"
        resources = [_sub(f"{_PARTITION}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/${{{name}}}")]
    t.allow([f"dynamodb:{_pascal(action)}"], resources)


def _sqs(t: _Template, args: dict | None) -> None:
    url = (args or {}).get("QueueUrl")
    match = _SQS_URL.match(url) if _literal(url) else None
    if match:
        name = t.parameter("QueueName", match["name"], "SQS queue name")
        args["QueueUrl"] = f"${{{name}Url}}"
        t.substitutions[f"{name}Url"] = _sub(f"https://sqs.${{AWS::Region}}.${{AWS::URLSuffix}}/${{AWS::AccountId}}/"
                                             f"${{{name}}}")
        t.allow(["sqs:SendMessage"], [_sub(f"{_PARTITION}:sqs:${{AWS::Region}}:${{AWS::AccountId}}:${{{name}}}")])
    elif args is not None and _literal(url):
        name = t.parameter("QueueUrl", url, "SQS queue URL")
        args["QueueUrl"] = f"${{{name}}}"
        t.allow(["sqs:SendMessage"], ["*"])
    else:
        t.allow(["sqs:SendMessage"], ["*"])


def _sns(t: _Template, args: dict | None) -> None:
    if args is not None and _literal(args.get("TopicArn")):
        name = t.parameter("TopicArn", args["TopicArn"], "SNS topic")
        args["TopicArn"] = f"${{{name}}}"
        t.allow(["sns:Publish"], [{"Ref": name}])
    else:
        t.allow(["sns:Publish"], ["*"])


def _events(t: _Template, args: dict | None) -> None:
    buses = {entry.get("EventBusName", "default") for entry in (args or {}).get("Entries") or []
             if isinstance(entry, dict)}
    if buses and all(_literal(bus) and not bus.startswith("arn:") for bus in buses):
        t.allow(["events:PutEvents"], [_sub(f"{_PARTITION}:events:${{AWS::Region}}:${{AWS::AccountId}}:event-bus/{bus}")
                                       for bus in sorted(buses)])
    else:
        t.allow(["events:PutEvents"], ["*"])


def _start_execution(t: _Template, action: str, args: dict | None) -> None:
    resources: list[Any] = ["*"]
    if args is not None and _literal(args.get("StateMachineArn")):
        name = t.parameter("StateMachineArn", args["StateMachineArn"], "state machine this state starts")
        args["StateMachineArn"] = f"${{{name}}}"
        resources = [{"Ref": name}]
    t.allow(["states:StartExecution"], resources)
    if ".sync" in action:
        t.allow(["states:DescribeExecution", "states:StopExecution"], ["*"])
        t.allow(["events:PutTargets", "events:PutRule", "events:DescribeRule"], [_sub(
            f"{_PARTITION}:events:${{AWS::Region}}:${{AWS::AccountId}}:rule/"
            "StepFunctionsGetEventsForStepFunctionsExecutionRule")])


def _sdk(t: _Template, service: str, action: str, args: dict | None) -> None:
    prefix = _IAM_PREFIX.get(service, service)
    iam_action = _IAM_ACTION.get((service, _pascal(action)), _pascal(action))
    resources: list[Any] = ["*"]
    if service == "s3" and args is not None and _literal(args.get("Bucket")):
        name = t.parameter("Bucket", args["Bucket"], "S3 bucket")
        args["Bucket"] = f"${{{name}}}"
        bucket_level = iam_action in ("ListBucket", "CreateBucket", "DeleteBucket", "GetBucketLocation")
        resources = [_sub(f"{_PARTITION}:s3:::${{{name}}}" + ("" if bucket_level else "/*"))]
    t.allow([f"{prefix}:{iam_action}"], resources)


def _task(t: _Template, state: dict) -> None:
    resource = state.get("Resource")
    if not isinstance(resource, str):
        return
    key = "Arguments" if isinstance(state.get("Arguments"), dict) else "Parameters"
    args = state.get(key) if isinstance(state.get(key), dict) else None
    if resource.startswith("arn:aws:lambda:") or resource.startswith(STATES + "lambda:invoke"):
        _lambda(t, state, args)
        return
    if ":activity:" in resource:
        name = t.parameter("ActivityArn", resource, "Step Functions activity")
        state["Resource"] = f"${{{name}}}"
        return
    if not resource.startswith(STATES):
        return
    service, _, action = resource[len(STATES):].partition(":")
    base = action.split(".", 1)[0]
    if service == "aws-sdk":
        sdk_service, _, sdk_action = action.partition(":")
        if sdk_service == "sagemakerruntime" and sdk_action.startswith("invokeEndpoint"):
            _sagemaker(t, args)
        else:
            _sdk(t, sdk_service, sdk_action.split(".", 1)[0], args)
    elif service == "sagemaker" and base == "invokeEndpoint":
        _sagemaker(t, args)
    elif service == "bedrock":
        _bedrock(t, args)
    elif service == "http":
        _http(t, args)
    elif service == "dynamodb":
        _dynamodb(t, base, args)
    elif service == "sqs":
        _sqs(t, args)
    elif service == "sns":
        _sns(t, args)
    elif service == "events":
        _events(t, args)
    elif service == "states":
        _start_execution(t, action, args)


def _collect(definition: dict, machine_name: str) -> tuple[dict, _Template]:
    copy = json.loads(json.dumps(definition))
    t = _Template()
    for state in _tasks(copy.get("States") or {}):
        _task(t, state)
    for state in _distributed_maps(copy.get("States") or {}):
        _distributed_map(t, state, machine_name)
    return copy, t


def _logical_id(name: str, empty: str = "Workflow") -> str:
    """``doc-pipeline`` -> ``DocPipeline``: what CloudFormation allows in a logical id."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part) or empty


def export_template(*, name: str, definition: str, machine_type: str = "STANDARD", fmt: str = "sam") -> dict:
    """The template (a dict) for the state machine ``name``; ``fmt`` is ``sam`` or ``cloudformation``."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    body, t = _collect(json.loads(definition), name)
    policy = {"Version": "2012-10-17", "Statement": t.statements}
    logical = _logical_id(name) + "StateMachine"
    template: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09"}
    if fmt == "sam":
        template["Transform"] = "AWS::Serverless-2016-10-31"
    template["Description"] = f"The {name} state machine, exported by Switchyard"
    if t.parameters:
        template["Parameters"] = t.parameters
    if fmt == "sam":
        properties: dict[str, Any] = {"Name": name, "Type": machine_type, "Definition": body}
        if t.substitutions:
            properties["DefinitionSubstitutions"] = t.substitutions
        if t.statements:
            properties["Policies"] = [policy]
        template["Resources"] = {logical: {"Type": "AWS::Serverless::StateMachine", "Properties": properties}}
    else:
        role: dict[str, Any] = {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}
        if t.statements:
            role["Policies"] = [{"PolicyName": f"{logical}Policy", "PolicyDocument": policy}]
        properties = {"StateMachineName": name, "StateMachineType": machine_type, "Definition": body,
                      "RoleArn": {"Fn::GetAtt": [f"{logical}Role", "Arn"]}}
        if t.substitutions:
            properties["DefinitionSubstitutions"] = t.substitutions
        template["Resources"] = {f"{logical}Role": {"Type": "AWS::IAM::Role", "Properties": role},
                                 logical: {"Type": "AWS::StepFunctions::StateMachine", "Properties": properties}}
    template["Outputs"] = {"StateMachineArn": {"Value": {"Ref": logical}}}
    return template


def template_text(**kwargs) -> str:
    return json.dumps(export_template(**kwargs), indent=2) + "\n"
