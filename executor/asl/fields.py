"""Which fields each part of a definition may hold (JSONPath query language)."""
from __future__ import annotations

TOP_LEVEL = frozenset({"Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"})
SUB_MACHINE = frozenset({"Comment", "StartAt", "States", "ProcessorConfig", "QueryLanguage"})

_COMMON = {"Type", "Comment", "QueryLanguage", "Assign"}
_FLOW = {"Next", "End"}
_IO = {"InputPath", "OutputPath"}
_RESULT = {"ResultPath", "ResultSelector", "Retry", "Catch"}

STATE_FIELDS: dict[str, frozenset] = {
    "Pass": frozenset(_COMMON | _FLOW | _IO | {"Parameters", "Result", "ResultPath"}),
    "Task": frozenset(_COMMON | _FLOW | _IO | _RESULT | {
        "Resource", "Parameters", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
        "HeartbeatSecondsPath", "Credentials"}),
    "Choice": frozenset(_COMMON | _IO | {"Choices", "Default"}),
    "Wait": frozenset(_COMMON | _FLOW | _IO | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"}),
    "Succeed": frozenset(_COMMON | _IO),
    "Fail": frozenset(_COMMON | {"Error", "Cause", "ErrorPath", "CausePath"}),
    "Parallel": frozenset(_COMMON | _FLOW | _IO | _RESULT | {"Branches", "Parameters"}),
    "Map": frozenset(_COMMON | _FLOW | _IO | _RESULT | {
        "Iterator", "ItemProcessor", "ItemsPath", "ItemSelector", "Parameters", "MaxConcurrency",
        "MaxConcurrencyPath", "ToleratedFailureCount", "ToleratedFailureCountPath",
        "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ItemReader", "ItemBatcher",
        "ResultWriter", "Label"}),
}

# JSONata states: these JSONPath fields are refused.
JSONPATH_ONLY = frozenset({"InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath",
                           "ItemsPath", "ItemSelector", "SecondsPath", "TimestampPath", "ErrorPath",
                           "CausePath", "MaxConcurrencyPath", "ToleratedFailureCountPath",
                           "ToleratedFailurePercentagePath", "TimeoutSecondsPath", "HeartbeatSecondsPath"})

RETRIER = frozenset({"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds",
                     "JitterStrategy", "Comment"})
CATCHER = frozenset({"ErrorEquals", "Next", "ResultPath", "Comment", "Assign", "Output"})

LABEL_FORBIDDEN = frozenset(" <>{}[]?*\"#%\\^|~`$&,;:/")

#: Optimised integrations whose actions AWS checks at CreateStateMachine
#: (``arn:aws:states:::SERVICE:ACTION``); services not listed are accepted as written.
KNOWN_INTEGRATIONS = {
    "lambda": {"invoke"},
    "dynamodb": {"getItem", "putItem", "updateItem", "deleteItem"},
    "sqs": {"sendMessage"},
    "sns": {"publish"},
    "events": {"putEvents"},
    "states": {"startExecution", "startExecution.sync", "startExecution.sync:2"},
    "sagemaker": {"invokeEndpoint", "createTrainingJob", "createTransformJob", "createEndpoint",
                  "createEndpointConfig", "createModel", "createHyperParameterTuningJob",
                  "createLabelingJob", "createProcessingJob", "updateEndpoint"},
}
