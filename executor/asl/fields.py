"""Which fields each part of a definition may hold (JSONPath query language)."""
from __future__ import annotations

TOP_LEVEL = frozenset({"Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"})
SUB_MACHINE = frozenset({"Comment", "StartAt", "States", "ProcessorConfig", "QueryLanguage"})

_COMMON = {"Type", "Comment", "QueryLanguage", "Assign"}
# Succeed and Fail end a scope: nothing could read what they assigned.
_TERMINAL = {"Type", "Comment", "QueryLanguage"}
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
    "Succeed": frozenset(_TERMINAL | _IO),
    "Fail": frozenset(_TERMINAL | {"Error", "Cause", "ErrorPath", "CausePath"}),
    "Parallel": frozenset(_COMMON | _FLOW | _IO | _RESULT | {"Branches", "Parameters"}),
    "Map": frozenset(_COMMON | _FLOW | _IO | _RESULT | {
        "Iterator", "ItemProcessor", "ItemsPath", "ItemSelector", "Parameters", "MaxConcurrency",
        "MaxConcurrencyPath", "ToleratedFailureCount", "ToleratedFailureCountPath",
        "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ItemReader", "ItemBatcher",
        "ResultWriter", "Label"}),
}

# JSONata states: the fields each type may hold (ASL's table of state types and fields).
_JSONATA_FLOW = {"Next", "End"}
JSONATA_STATE_FIELDS: dict[str, frozenset] = {
    "Pass": frozenset(_COMMON | _JSONATA_FLOW | {"Output"}),
    "Task": frozenset(_COMMON | _JSONATA_FLOW | {"Output", "Arguments", "Retry", "Catch", "Resource",
                                                 "TimeoutSeconds", "HeartbeatSeconds", "Credentials"}),
    "Choice": frozenset(_COMMON | {"Output", "Choices", "Default"}),
    "Wait": frozenset(_COMMON | _JSONATA_FLOW | {"Output", "Seconds", "Timestamp"}),
    "Succeed": frozenset(_TERMINAL | {"Output"}),
    "Fail": frozenset(_TERMINAL | {"Error", "Cause"}),
    "Parallel": frozenset(_COMMON | _JSONATA_FLOW | {"Output", "Arguments", "Retry", "Catch", "Branches"}),
    "Map": frozenset(_COMMON | _JSONATA_FLOW | {
        "Output", "Retry", "Catch", "Iterator", "ItemProcessor", "Items", "ItemSelector", "MaxConcurrency",
        "ToleratedFailureCount", "ToleratedFailurePercentage", "ItemReader", "ItemBatcher", "ResultWriter",
        "Label"}),
}

VARIABLE_NAME_MAX = 80
RESERVED_VARIABLES = frozenset({"states"})

# JSONata states: these JSONPath fields are refused.
JSONPATH_ONLY = frozenset({"InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Result",
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
