"""The real-world definitions in ``shared/realworld-asl``, with their placeholders filled in.

The files hold the ``${Name}`` DefinitionSubstitutions their templates fill in
on deployment. Each is filled the same way whatever the file, from the
placeholder's name and the field it sits in: a value of the kind the template
would have put there (an ARN for a Resource, a number for Seconds, the
partition ``aws``...), so the definitions are what AWS saw.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

__all__ = ["REALWORLD_DIR", "definition_files", "fill_placeholders", "load_definition"]

_REPO = Path(__file__).resolve().parents[2]


def _find_dir() -> Path | None:
    """``$SWITCHYARD_REALWORLD_ASL`` if set, else ``shared/`` in or beside the checkout."""
    override = os.environ.get("SWITCHYARD_REALWORLD_ASL")
    candidates = [Path(override)] if override else [_REPO / "shared" / "realworld-asl",
                                                     _REPO.parent / "shared" / "realworld-asl"]
    return next((c for c in candidates if c.is_dir()), None)


REALWORLD_DIR = _find_dir()

_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")
# CloudFormation substitutes into a YAML template's text before parsing it, so an
# unquoted ``Seconds: ${ReminderTimeout}`` is a number on AWS; the YAML files were
# converted to JSON before substitution, where it became a string.
_NUMERIC_FIELDS = frozenset({"Seconds", "TimeoutSeconds", "HeartbeatSeconds", "MaxConcurrency", "IntervalSeconds",
                             "MaxAttempts", "ToleratedFailureCount", "ToleratedFailurePercentage"})
_REGION, _ACCOUNT = "us-east-1", "123456789012"


def definition_files() -> list[Path]:
    """Every definition file, sorted; empty when the folder is absent."""
    if REALWORLD_DIR is None:
        return []
    return sorted(p for p in REALWORLD_DIR.iterdir() if p.name.endswith(".json"))


def load_definition(path: Path) -> dict:
    return fill_placeholders(json.loads(path.read_text(encoding="utf-8")))


def fill_placeholders(node: Any, field: str | None = None) -> Any:
    """A copy of ``node`` with every ``${Name}`` replaced, in keys and values."""
    if isinstance(node, dict):
        return {_fill_text(k, None): fill_placeholders(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [fill_placeholders(v, field) for v in node]
    if isinstance(node, str) and "${" in node:
        if field in _NUMERIC_FIELDS and _PLACEHOLDER.fullmatch(node):
            return 60
        return _fill_text(node, field)
    return node


def _fill_text(text: str, field: str | None) -> str:
    whole = _PLACEHOLDER.fullmatch(text) is not None
    return _PLACEHOLDER.sub(lambda m: _value_for(m.group(1), field if whole else None), text)


def _value_for(name: str, field: str | None) -> str:
    """What a template would substitute for ``${name}`` standing alone in ``field`` (None: inside a text)."""
    lowered = name.lower().replace("aws::", "")
    if "partition" in lowered:
        return "aws"
    if "region" in lowered:
        return _REGION
    if "account" in lowered:
        return _ACCOUNT
    ident = re.sub(r"[^A-Za-z0-9_-]", "-", name)
    if field == "TopicArn":
        return f"arn:aws:sns:{_REGION}:{_ACCOUNT}:{ident}"
    if field == "StateMachineArn":
        return f"arn:aws:states:{_REGION}:{_ACCOUNT}:stateMachine:{ident}"
    if field == "QueueUrl":
        return f"https://sqs.{_REGION}.amazonaws.com/{_ACCOUNT}/{ident}"
    if field in ("Resource", "FunctionName") or (field is not None and lowered.endswith("arn")):
        if "activity" in lowered:
            return f"arn:aws:states:{_REGION}:{_ACCOUNT}:activity:{ident}"
        return f"arn:aws:lambda:{_REGION}:{_ACCOUNT}:function:{ident}"
    return ident
