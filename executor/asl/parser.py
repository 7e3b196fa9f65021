"""Parse and validate an ASL definition in one pass.

:func:`parse_definition` returns an immutable :class:`StateMachine` or raises
:class:`DefinitionError` listing *every* problem, each located by a JSON
pointer (``/States/Check/Choices/0/Next``) and the rule it breaks, in the
words CreateStateMachine uses.
"""
from __future__ import annotations

import json
from typing import Any

from . import fields as F
from .choice import RULE_OPERATORS, compile_rule, parse_timestamp
from .errors import DefinitionError, Problem
from .intrinsics import IntrinsicSyntaxError
from .map_io import parse_map_io
from .paths import PathSyntaxError, compile_path, compile_reference_path
from .payload import compile_payload, compile_value_path
from .retry import Catcher, Retrier
from .states import (
    ChoiceBranch,
    ChoiceState,
    FailState,
    MapState,
    ParallelState,
    PassState,
    State,
    StateMachine,
    SucceedState,
    TaskState,
    WaitState,
)

__all__ = ["parse_definition", "validate_definition", "MAX_DEFINITION_BYTES"]

MAX_DEFINITION_BYTES = 1024 * 1024
MAX_STATES = 10000  # far beyond any real machine; bounds the work a bad definition can cause
MAX_DEPTH = 64

_SCHEMA = "SCHEMA_VALIDATION_FAILED"


class _Builder:
    def __init__(self, machine_type: str):
        self.problems: list[Problem] = []
        self.machine_type = machine_type
        self.state_count = 0
        self.jsonata = None  # set lazily: the JSONata compiler, when a state needs it

    def problem(self, path: str, message: str, code: str = _SCHEMA) -> None:
        if len(self.problems) < 200:
            self.problems.append(Problem(path or "/", message, code))

    # -- small typed readers -------------------------------------------------

    def string(self, obj: dict, key: str, path: str, required=False, non_empty=True):
        if key not in obj:
            if required:
                self.problem(path, f"The field '{key}' is required but was missing")
            return None
        value = obj[key]
        if not isinstance(value, str):
            self.problem(f"{path}/{key}", f"The field '{key}' must be a string")
            return None
        if non_empty and value == "":
            self.problem(f"{path}/{key}", f"The field \"{key}\" should be non-empty.")
        return value

    def number(self, obj: dict, key: str, path: str, *, integer=False, minimum=None, maximum=None,
               exclusive_min=False):
        if key not in obj:
            return None
        value = obj[key]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and integer and isinstance(value, float) and not value.is_integer():
            ok = False
        if not ok:
            kind = "an integer" if integer else "a number"
            self.problem(f"{path}/{key}", f"The value of the field '{key}' must be {kind}")
            return None
        if minimum is not None and (value <= minimum if exclusive_min else value < minimum):
            self.problem(f"{path}/{key}", f"The value of the field '{key}' must be "
                                          f"{'greater than' if exclusive_min else 'at least'} {minimum}")
        if maximum is not None and value > maximum:
            self.problem(f"{path}/{key}", f"The value of the field '{key}' must be at most {maximum}")
        return int(value) if integer else value

    def path_field(self, obj: dict, key: str, path: str, *, reference=False, default="$"):
        """InputPath/OutputPath/ResultPath and the *Path fields: JsonPath, None (null) or default."""
        if key not in obj:
            return compile_path(default) if isinstance(default, str) else default
        value = obj[key]
        if value is None and key in ("InputPath", "OutputPath", "ResultPath"):
            return None
        if not isinstance(value, str):
            self.problem(f"{path}/{key}", f"The value for the field '{key}' must be a valid JSONPath")
            return None
        try:
            return compile_reference_path(value) if reference else compile_path(value)
        except PathSyntaxError:
            kind = "ReferencePath" if reference else "JSONPath"
            self.problem(f"{path}/{key}", f"The value for the field '{key}' must be a valid {kind}")
            return None

    def payload(self, obj: dict, key: str, path: str):
        if key not in obj:
            return None
        problems_before = len(self.problems)
        self._check_payload(obj[key], f"{path}/{key}")
        if len(self.problems) != problems_before:
            return None
        return compile_payload(obj[key])

    def _check_payload(self, value: Any, path: str, depth=0) -> None:
        if depth > MAX_DEPTH:
            self.problem(path, "The payload template is nested too deeply")
            return
        if isinstance(value, dict):
            for k, v in value.items():
                if k.endswith(".$"):
                    if not isinstance(v, str):
                        self.problem(f"{path}/{k}", f"The value for the field '{k}' must be a STRING that contains "
                                                    f"a JSONPath but was an {_json_type(v)}")
                        continue
                    try:
                        compile_value_path(v, k)
                    except (PathSyntaxError, IntrinsicSyntaxError):
                        what = "intrinsic function" if v.startswith("States.") else "JSONPath"
                        self.problem(f"{path}/{k}", f"The value for the field '{k}' must be a valid {what}")
                else:
                    self._check_payload(v, f"{path}/{k}", depth + 1)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self._check_payload(v, f"{path}/{i}", depth + 1)

    def allowed(self, obj: dict, allowed: frozenset, path: str) -> None:
        extra = [k for k in obj if k not in allowed]
        if extra:
            self.problem(path, "These fields are not allowed: [" + ", ".join(sorted(extra)) + "]" if len(extra) > 1
                         else f"Field \"{extra[0]}\" is not supported")

    # -- machines and states ---------------------------------------------------

    def machine(self, obj: Any, path: str, depth: int, query_language: str | None = None,
                top: bool = False) -> StateMachine | None:
        if depth > MAX_DEPTH:
            self.problem(path or "/", "The definition is nested too deeply")
            return None
        if not isinstance(obj, dict):
            self.problem(path or "/", "The definition must be a JSON object")
            return None
        missing = [k for k in ("StartAt", "States") if k not in obj]
        if missing:
            self.problem(path or "/", "These fields are required: [" + ", ".join(missing) + "]")
        self.allowed(obj, F.TOP_LEVEL if top else F.SUB_MACHINE, path or "/")
        self.comment(obj, path)
        ql = query_language or "JSONPath"
        if "QueryLanguage" in obj:
            if obj["QueryLanguage"] not in ("JSONPath", "JSONata"):
                self.problem(f"{path}/QueryLanguage", "The QueryLanguage must be 'JSONPath' or 'JSONata'")
            elif top:
                ql = obj["QueryLanguage"]
            else:
                ql = obj["QueryLanguage"]
        if top and "Version" in obj and obj["Version"] != "1.0":
            self.problem("/Version", "The value for the field 'Version' must be '1.0'")
        timeout = self.number(obj, "TimeoutSeconds", path, integer=True, minimum=0, exclusive_min=True) if top else None
        start_at = self.string(obj, "StartAt", path)
        states_obj = obj.get("States")
        states: dict[str, State] = {}
        if "States" in obj and (not isinstance(states_obj, dict) or not states_obj):
            self.problem(f"{path}/States", "The field 'States' must be a non-empty object")
            states_obj = {}
        for name, body in (states_obj or {}).items():
            self.state_count += 1
            if self.state_count > MAX_STATES:
                self.problem(f"{path}/States", f"A state machine can have at most {MAX_STATES} states")
                break
            spath = f"{path}/States/{name}"
            if len(name) > 80:
                self.problem(spath, "State names must be at most 80 characters long")
            state = self.state(name, body, spath, depth, ql)
            if state is not None:
                states[name] = state
        if start_at is not None and states_obj and start_at not in states_obj:
            self.problem(f"{path}/StartAt", f"Missing 'Next' target: {start_at}", "MISSING_TRANSITION_TARGET")
        for name, state in states.items():
            spath = f"{path}/States/{name}"
            targets = [("Next", state.next)]
            if isinstance(state, ChoiceState):
                targets = [(f"Choices/{i}/Next", b.next) for i, b in enumerate(state.choices)]
                targets.append(("Default", state.default))
            targets += [(f"Catch/{i}/Next", c.next) for i, c in enumerate(state.catch)]
            for where, target in targets:
                if target is not None and target not in (states_obj or {}):
                    self.problem(f"{spath}/{where}", f"Missing 'Next' target: {target}", "MISSING_TRANSITION_TARGET")
        if states and not any(s.terminal for s in states.values()):
            self.problem(path or "/", "No terminal state found in machine", "NO_TERMINAL_STATE")
        has_concurrency = any(isinstance(s, (ParallelState, MapState)) for s in states.values())
        return StateMachine(start_at=start_at or "", states=states, timeout_seconds=timeout,
                            query_language=ql, comment=obj.get("Comment"), has_concurrency=has_concurrency)

    def state(self, name: str, body: Any, path: str, depth: int, inherited_ql: str) -> State | None:
        if not isinstance(body, dict):
            if name in F.TOP_LEVEL:  # a machine field put among the states, where it is read as a state
                every_state_takes_it = all(name in fields for fields in F.STATE_FIELDS.values())
                where = "the top level of the definition" + (" or in a state" if every_state_takes_it else "")
                self.problem(path, f"'{name}' is not a state: the field '{name}' belongs at {where}, "
                                   "not inside 'States'")
            else:
                self.problem(path, "A state must be a JSON object")
            return None
        stype = body.get("Type")
        if not isinstance(stype, str) or stype not in F.STATE_FIELDS:
            if "Type" not in body:
                self.problem(path, "The field 'Type' is required but was missing")
            else:
                self.problem(f"{path}/Type", f"The value of the field 'Type' is not valid: {stype!r}")
            return None
        ql = body.get("QueryLanguage", inherited_ql)
        if ql not in ("JSONPath", "JSONata"):
            self.problem(f"{path}/QueryLanguage", "The QueryLanguage must be 'JSONPath' or 'JSONata'")
            ql = inherited_ql
        if inherited_ql == "JSONata" and ql == "JSONPath" and "QueryLanguage" in body:
            self.problem(f"{path}/QueryLanguage",
                         "A state cannot use JSONPath when the state machine's QueryLanguage is JSONata")
        if ql == "JSONata":
            from .jsonata_support import compile_jsonata_state
            return compile_jsonata_state(self, name, body, path, depth)
        self.allowed(body, F.STATE_FIELDS[stype], path)
        common = self.common(name, stype, body, path, ql)
        builder = getattr(self, f"state_{stype.lower()}")
        return builder(common, body, path, depth)

    def comment(self, obj: dict, path: str) -> None:
        if "Comment" in obj and not isinstance(obj["Comment"], str):
            self.problem(f"{path}/Comment", "The field 'Comment' must be a string")

    def common(self, name, stype, body, path, ql) -> dict:
        self.comment(body, path)
        out: dict[str, Any] = {"name": name, "type": stype, "raw": body, "query_language": ql}
        if stype not in ("Choice", "Succeed", "Fail"):
            has_next, has_end = "Next" in body, body.get("End") is True
            if "End" in body and not isinstance(body["End"], bool):
                self.problem(f"{path}/End", "The field 'End' must be a boolean")
            if has_next and has_end:
                self.problem(path, "Only one of 'Next' or 'End' can be present")
            elif not has_next and not has_end:
                self.problem(path, "Either 'Next' or 'End' must be present")
            out["next"] = self.string(body, "Next", path)
            out["end"] = has_end
        if stype != "Fail":
            out["input_path"] = self.path_field(body, "InputPath", path)
            if stype != "Choice" or "OutputPath" in body:
                out["output_path"] = self.path_field(body, "OutputPath", path)
        if "Assign" in body:
            from .jsonata_support import compile_assign_jsonpath
            out["assign"] = compile_assign_jsonpath(self, body["Assign"], f"{path}/Assign")
        return out

    def result_fields(self, out: dict, body: dict, path: str, *, parameters=True) -> None:
        if parameters:
            out["parameters"] = self.payload(body, "Parameters", path)
        out["result_selector"] = self.payload(body, "ResultSelector", path)
        out["result_path"] = self.path_field(body, "ResultPath", path, reference=True)
        out["retry"] = self.retriers(body, path)
        out["catch"] = self.catchers(body, path)

    def retriers(self, body: dict, path: str) -> tuple[Retrier, ...]:
        if "Retry" not in body:
            return ()
        raw = body["Retry"]
        if not isinstance(raw, list):
            self.problem(f"{path}/Retry", "The field 'Retry' must be an array")
            return ()
        out = []
        for i, r in enumerate(raw):
            rpath = f"{path}/Retry/{i}"
            if not isinstance(r, dict):
                self.problem(rpath, "A retrier must be a JSON object")
                continue
            self.allowed(r, F.RETRIER, rpath)
            errors = self.error_equals(r, rpath, last=i == len(raw) - 1, what="Retrier")
            jitter = r.get("JitterStrategy", "NONE")
            if jitter not in ("FULL", "NONE"):
                self.problem(f"{rpath}/JitterStrategy", "The value of 'JitterStrategy' must be FULL or NONE")
            interval = self.number(r, "IntervalSeconds", rpath, integer=True, minimum=1, maximum=99999999)
            attempts = self.number(r, "MaxAttempts", rpath, integer=True, minimum=0, maximum=99999999)
            backoff = self.number(r, "BackoffRate", rpath, minimum=1.0)
            max_delay = self.number(r, "MaxDelaySeconds", rpath, integer=True, minimum=0, exclusive_min=True,
                                    maximum=31622400)
            out.append(Retrier(errors, interval if interval is not None else 1,
                               attempts if attempts is not None else 3,
                               backoff if backoff is not None else 2.0, max_delay, jitter))
        return tuple(out)

    def catchers(self, body: dict, path: str, *, jsonata: bool = False) -> tuple[Catcher, ...]:
        if "Catch" not in body:
            return ()
        raw = body["Catch"]
        if not isinstance(raw, list):
            self.problem(f"{path}/Catch", "The field 'Catch' must be an array")
            return ()
        from .jsonata_support import assign_field, compile_assign_jsonpath, template_field
        out = []
        for i, c in enumerate(raw):
            cpath = f"{path}/Catch/{i}"
            if not isinstance(c, dict):
                self.problem(cpath, "A catcher must be a JSON object")
                continue
            self.allowed(c, F.CATCHER - ({"ResultPath"} if jsonata else {"Output"}), cpath)
            errors = self.error_equals(c, cpath, last=i == len(raw) - 1, what="Catcher")
            nxt = self.string(c, "Next", cpath, required=True) or ""
            if jsonata:
                out.append(Catcher(errors, nxt, None, None, assign_field(self, c, cpath),
                                   template_field(self, c, "Output", cpath)))
                continue
            assign = compile_assign_jsonpath(self, c["Assign"], f"{cpath}/Assign") if "Assign" in c else None
            out.append(Catcher(errors, nxt, self.path_field(c, "ResultPath", cpath, reference=True),
                               c.get("ResultPath", "$"), assign))
        return tuple(out)

    def error_equals(self, obj: dict, path: str, *, last: bool, what: str) -> tuple[str, ...]:
        errors = obj.get("ErrorEquals")
        if not isinstance(errors, list) or not errors or not all(isinstance(e, str) for e in errors):
            self.problem(f"{path}/ErrorEquals", "The field 'ErrorEquals' must be a non-empty array of strings")
            return ()
        if "States.ALL" in errors:
            if len(errors) > 1:
                self.problem(f"{path}/ErrorEquals", "States.ALL must appear alone in ErrorEquals")
            elif not last:
                self.problem(f"{path}/ErrorEquals", f"States.ALL must be in the last {what}")
        return tuple(errors)

    # -- per type ---------------------------------------------------------------

    def state_pass(self, common, body, path, depth):
        common["parameters"] = self.payload(body, "Parameters", path)
        common["result_path"] = self.path_field(body, "ResultPath", path, reference=True)
        return PassState(**common, result=body.get("Result"), has_result="Result" in body)

    def state_task(self, common, body, path, depth):
        self.result_fields(common, body, path)
        resource = self.string(body, "Resource", path, required=True)
        if resource is not None and not resource.startswith("arn:"):
            self.problem(f"{path}/Resource", f"The resource provided {resource} is not recognized. The value is "
                                             "not a valid resource ARN, or the resource is not available in this "
                                             "region.")
        if resource and resource.startswith("arn:aws:states:::"):
            service, _, action = resource[len("arn:aws:states:::"):].partition(":")
            base_action = action.removesuffix(".waitForTaskToken").removesuffix(".sync:2").removesuffix(".sync")
            known = F.KNOWN_INTEGRATIONS.get(service)
            if known is not None and action not in known and base_action not in known:
                self.problem(f"{path}/Resource", f"The resource provided {resource} is not recognized. The value is "
                                                 "not a valid resource ARN, or the resource is not available in this "
                                                 "region.")
        if resource and self.machine_type == "EXPRESS" and resource.endswith((".sync", ".sync:2", ".waitForTaskToken")):
            kind = "'.waitForTaskToken'" if resource.endswith(".waitForTaskToken") else "'.sync'"
            self.problem(f"{path}/Resource", f"Express state machine does not support {kind} service integration")
        timeout = self.exclusive_number(body, "TimeoutSeconds", path, minimum=1)
        heartbeat = self.exclusive_number(body, "HeartbeatSeconds", path, minimum=1)
        if isinstance(timeout, int) and isinstance(heartbeat, int) and heartbeat >= timeout:
            self.problem(f"{path}/HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds")
        if "Credentials" in body:
            creds = body["Credentials"]
            if not isinstance(creds, dict) or not ({"RoleArn", "RoleArn.$"} & set(creds)):
                self.problem(f"{path}/Credentials", "The field 'RoleArn' is required but was missing")
        return TaskState(**common, resource=resource or "", timeout_seconds=timeout, heartbeat_seconds=heartbeat,
                         credentials=body.get("Credentials"))

    def exclusive_number(self, body, key, path, minimum):
        """``Key`` (a positive integer) or ``KeyPath`` (a JSONPath evaluator), not both."""
        if key in body and f"{key}Path" in body:
            self.problem(path, f"Only one of '{key}' or '{key}Path' can be present")
        if key in body:
            return self.number(body, key, path, integer=True, minimum=minimum, maximum=99999999)
        if f"{key}Path" in body:
            return self.path_field(body, f"{key}Path", path)
        return None

    def state_choice(self, common, body, path, depth):
        choices = body.get("Choices")
        branches = []
        if not isinstance(choices, list) or not choices:
            self.problem(f"{path}/Choices", "The field 'Choices' must be a non-empty array")
            choices = []
        for i, rule in enumerate(choices):
            rpath = f"{path}/Choices/{i}"
            if not isinstance(rule, dict):
                self.problem(rpath, "A choice rule must be a JSON object")
                continue
            nxt = self.string(rule, "Next", rpath, required=True)
            if self.check_rule(rule, rpath, top=True, depth=depth):
                assign = None
                if "Assign" in rule:
                    from .jsonata_support import compile_assign_jsonpath
                    assign = compile_assign_jsonpath(self, rule["Assign"], f"{rpath}/Assign")
                branches.append(ChoiceBranch(compile_rule(rule), nxt or "", assign))
        default = self.string(body, "Default", path)
        return ChoiceState(**common, choices=tuple(branches), default=default)

    def check_rule(self, rule: dict, path: str, *, top: bool, depth: int) -> bool:
        if depth > MAX_DEPTH:
            self.problem(path, "The choice rule is nested too deeply")
            return False
        if not isinstance(rule, dict):
            self.problem(path, "A choice rule must be a JSON object")
            return False
        before = len(self.problems)
        if not top and "Next" in rule:
            self.problem(f"{path}/Next", "Nested choice rules cannot have 'Next'")
        combinators = [k for k in ("And", "Or", "Not") if k in rule]
        operators = [k for k in rule if k in RULE_OPERATORS]
        unknown = [k for k in rule if k not in RULE_OPERATORS and k not in
                   ("And", "Or", "Not", "Variable", "Next", "Comment", "Assign")]
        for k in unknown:
            self.problem(f"{path}/{k}", f"Field \"{k}\" is not supported")
        if len(combinators) + len(operators) != 1:
            self.problem(path, "A choice rule must have exactly one comparison operator or And/Or/Not")
            return False
        if combinators:
            key = combinators[0]
            inner = rule[key]
            if key == "Not":
                self.check_rule(inner, f"{path}/Not", top=False, depth=depth + 1)
            elif not isinstance(inner, list) or not inner:
                self.problem(f"{path}/{key}", f"The field '{key}' must be a non-empty array")
            else:
                for i, r in enumerate(inner):
                    self.check_rule(r, f"{path}/{key}/{i}", top=False, depth=depth + 1)
            return len(self.problems) == before
        op = operators[0]
        variable = rule.get("Variable")
        if not isinstance(variable, str):
            self.problem(path, "The field 'Variable' is required but was missing")
        else:
            try:
                compile_path(variable)
            except PathSyntaxError:
                self.problem(f"{path}/Variable", "The value for the field 'Variable' must be a valid JSONPath")
        value = rule[op]
        if op.endswith("Path") and op not in ("IsPresent",):
            try:
                compile_path(value) if isinstance(value, str) else (_ for _ in ()).throw(PathSyntaxError())
            except PathSyntaxError:
                self.problem(f"{path}/{op}", f"The value for the field '{op}' must be a valid JSONPath")
        elif op.startswith("Is"):
            if not isinstance(value, bool):
                self.problem(f"{path}/{op}", f"The value of the field '{op}' must be a boolean")
        else:
            from .choice import OPERAND_TYPES
            expected = OPERAND_TYPES[op]
            if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
                self.problem(f"{path}/{op}", f"The value of the field '{op}' has the wrong type")
            elif op.startswith("Timestamp") and parse_timestamp(value) is None:
                self.problem(f"{path}/{op}", "String does not match RFC3339 timestamp")
        return len(self.problems) == before

    def state_wait(self, common, body, path, depth):
        present = [k for k in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if k in body]
        if len(present) != 1:
            self.problem(path, "Exactly one of 'Seconds', 'SecondsPath', 'Timestamp' or 'TimestampPath' "
                               "must be present")
        seconds = self.number(body, "Seconds", path, integer=True, minimum=0, maximum=99999999)
        timestamp = self.string(body, "Timestamp", path)
        if isinstance(timestamp, str) and parse_timestamp(timestamp) is None:
            self.problem(f"{path}/Timestamp", "String does not match RFC3339 timestamp")
        return WaitState(**common, seconds=seconds, timestamp=timestamp,
                         seconds_path=self.path_field(body, "SecondsPath", path, default=None),
                         timestamp_path=self.path_field(body, "TimestampPath", path, default=None))

    def state_succeed(self, common, body, path, depth):
        return SucceedState(**common)

    def state_fail(self, common, body, path, depth):
        for key in ("Error", "Cause"):
            if key in body and f"{key}Path" in body:
                self.problem(path, f"Only one of '{key}' or '{key}Path' can be present")
        error_path = cause_path = None
        for key in ("ErrorPath", "CausePath"):
            value = body.get(key)
            if value is None:
                continue
            try:
                evaluator = compile_value_path(value, key) if isinstance(value, str) else None
            except (PathSyntaxError, IntrinsicSyntaxError):
                evaluator = None
            if evaluator is None:
                self.problem(f"{path}/{key}", f"The value for the field '{key}' must be a valid JSONPath or "
                                              "intrinsic function")
            elif key == "ErrorPath":
                error_path = evaluator
            else:
                cause_path = evaluator
        return FailState(**common, error=self.string(body, "Error", path, non_empty=False),
                         cause=self.string(body, "Cause", path, non_empty=False),
                         error_path=error_path, cause_path=cause_path)

    def state_parallel(self, common, body, path, depth):
        self.result_fields(common, body, path)
        return ParallelState(**common, branches=self.branches(body, path, depth, common["query_language"]))

    def branches(self, body: dict, path: str, depth: int, query_language: str) -> tuple[StateMachine, ...]:
        """A Parallel state's Branches, each a state machine of its own."""
        raw = body.get("Branches")
        if not isinstance(raw, list) or not raw:
            self.problem(f"{path}/Branches", "The field 'Branches' must be a non-empty array")
            raw = []
        machines = (self.machine(b, f"{path}/Branches/{i}", depth + 1, query_language) for i, b in enumerate(raw))
        return tuple(m for m in machines if m is not None)

    def state_map(self, common, body, path, depth):
        self.result_fields(common, body, path, parameters=False)
        processor_key = "ItemProcessor" if "ItemProcessor" in body else "Iterator"
        if "ItemProcessor" in body and "Iterator" in body:
            self.problem(path, "Only one of 'ItemProcessor' or 'Iterator' can be present")
        if "ItemSelector" in body and "Parameters" in body:
            self.problem(path, "Only one of 'ItemSelector' or 'Parameters' can be present")
        raw = body.get(processor_key)
        mode = "INLINE"
        if raw is None:
            self.problem(path, "The field 'ItemProcessor' is required but was missing")
            processor = None
        else:
            config = raw.get("ProcessorConfig", {}) if isinstance(raw, dict) else {}
            if isinstance(config, dict):
                mode = config.get("Mode", "INLINE")
                if mode not in ("INLINE", "DISTRIBUTED"):
                    self.problem(f"{path}/{processor_key}/ProcessorConfig/Mode",
                                 "The value of 'Mode' must be INLINE or DISTRIBUTED")
            processor = self.machine(raw, f"{path}/{processor_key}", depth + 1, common["query_language"])
        selector_key = "ItemSelector" if "ItemSelector" in body else "Parameters"
        label = body.get("Label")
        if label is not None:
            self.check_label(label, f"{path}/Label")
        return MapState(
            **common, processor=processor, mode=mode,
            items_path=self.path_field(body, "ItemsPath", path),
            item_selector=self.payload(body, selector_key, path),
            max_concurrency=self.number(body, "MaxConcurrency", path, integer=True, minimum=0) or 0,
            max_concurrency_path=self.path_field(body, "MaxConcurrencyPath", path, default=None),
            tolerated_failure_count=self.number(body, "ToleratedFailureCount", path, integer=True, minimum=0),
            tolerated_failure_count_path=self.path_field(body, "ToleratedFailureCountPath", path, default=None),
            tolerated_failure_percentage=self.number(body, "ToleratedFailurePercentage", path, minimum=0,
                                                     maximum=100),
            tolerated_failure_percentage_path=self.path_field(body, "ToleratedFailurePercentagePath", path,
                                                              default=None),
            label=label, **parse_map_io(self, body, path, mode, jsonata=False),
        )

    def check_label(self, label: Any, path: str) -> None:
        if not isinstance(label, str):
            self.problem(path, "The field 'Label' must be a string")
            return
        if not label:
            self.problem(path, "Label cannot be empty")
            return
        if len(label) > 40:
            self.problem(path, "Label cannot exceed 40 characters")
        for ch in label:
            if ch in F.LABEL_FORBIDDEN or ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F:
                self.problem(path, f"Label contains invalid character: {ch!r}")
                return


def _json_type(value: Any) -> str:
    names = {dict: "OBJECT", list: "ARRAY", bool: "BOOLEAN", type(None): "NULL", str: "STRING"}
    return names.get(type(value), "NUMBER")


def _load(definition: Any) -> tuple[Any, list[Problem]]:
    if isinstance(definition, (bytes, bytearray)):
        definition = definition.decode("utf-8", errors="replace")
    if isinstance(definition, str):
        if len(definition.encode()) > MAX_DEFINITION_BYTES:
            return None, [Problem("/", f"The definition is larger than {MAX_DEFINITION_BYTES} bytes")]
        try:
            return json.loads(definition), []
        except json.JSONDecodeError as exc:
            return None, [Problem("/", f"The definition is not valid JSON: {exc.msg} at line {exc.lineno} "
                                       f"column {exc.colno}", "INVALID_JSON_DESCRIPTION")]
        except RecursionError:
            return None, [Problem("/", "The definition is nested too deeply", "INVALID_JSON_DESCRIPTION")]
    return definition, []


def validate_definition(definition: Any, *, machine_type: str = "STANDARD") -> list[Problem]:
    """Every problem with ``definition`` (JSON text or a parsed dict); empty when valid."""
    try:
        parse_definition(definition, machine_type=machine_type)
    except DefinitionError as exc:
        return exc.problems
    return []


def parse_definition(definition: Any, *, machine_type: str = "STANDARD") -> StateMachine:
    """Parse and validate; returns the StateMachine or raises DefinitionError."""
    obj, problems = _load(definition)
    if problems:
        raise DefinitionError(problems)
    builder = _Builder(machine_type)
    try:
        machine = builder.machine(obj, "", 0, top=True)
        if machine is not None and not builder.problems:
            from .jsonata_support import check_variable_scopes
            check_variable_scopes(builder, obj)
    except RecursionError:
        builder.problem("/", "The definition is nested too deeply")
        machine = None
    if builder.problems or machine is None:
        raise DefinitionError(builder.problems or [Problem("/", "The definition is not valid")])
    return machine
