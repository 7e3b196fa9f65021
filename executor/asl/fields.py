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
