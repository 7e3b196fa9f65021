"""Building and reading the ARNs of state machines and executions."""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings

__all__ = [
    "ArnError",
    "ParsedArn",
    "state_machine_arn",
    "execution_arn",
    "express_execution_arn",
    "version_arn",
    "alias_arn",
    "unqualified_arn",
    "parse_arn",
    "is_valid_name",
    "ROLE_ARN_RE",
    "ALIAS_NAME_RE",
]


class ArnError(ValueError):
    """The text is not an ARN of the expected kind; ``str()`` is AWS's InvalidArn message."""


@dataclass(frozen=True)
class ParsedArn:
    resource_type: str  # stateMachine | execution | express
    state_machine_name: str
    execution_name: str | None = None
    # What follows a state machine's name: a version number ("3") or an alias name ("prod").
    qualifier: str | None = None

    @property
    def version(self) -> int | None:
        return int(self.qualifier) if self.qualifier and self.qualifier.isdigit() else None

    @property
    def alias(self) -> str | None:
        return self.qualifier if self.qualifier and not self.qualifier.isdigit() else None


ARN_RE = re.compile(r"^arn:(aws[a-zA-Z-]*):states:([a-z0-9-]+):(\d{12}):([A-Za-z]+):(.+)$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-zA-Z-]*:iam::\d{12}:role/.+$")
# AWS: names may not hold whitespace, brackets, wildcards, these specials or control characters;
# nor lone surrogates, which no database can store (designer/storable.py).
# AWS's CharacterRestrictedName: an alias name is never all digits, so it cannot pass for a version.
ALIAS_NAME_RE = re.compile(r"^(?=.*[a-zA-Z_\-.])[a-zA-Z0-9_\-.]+$")
_VERSION_RE = re.compile(r"^[1-9][0-9]*$")
_INVALID_NAME_CHARS = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f\ud800-\udfff]")


def _prefix() -> str:
    return f"arn:aws:states:{settings.SWITCHYARD_REGION}:{settings.SWITCHYARD_ACCOUNT_ID}"


def state_machine_arn(name: str) -> str:
    return f"{_prefix()}:stateMachine:{name}"


def execution_arn(state_machine_name: str, name: str) -> str:
    return f"{_prefix()}:execution:{state_machine_name}:{name}"


def express_execution_arn(state_machine_name: str, name: str, run_id: str) -> str:
    # AWS's EXPRESS executions carry a third part; clients read the name from [-2].
    return f"{_prefix()}:express:{state_machine_name}:{name}:{run_id}"


def version_arn(state_machine_arn: str, number: int) -> str:
    return f"{state_machine_arn}:{number}"


def alias_arn(state_machine_arn: str, name: str) -> str:
    return f"{state_machine_arn}:{name}"


def unqualified_arn(arn: str) -> str:
    """Return the state machine ARN a version or alias ARN belongs to (an unqualified one unchanged)."""
    parsed = parse_arn(arn, expect=("stateMachine",))
    return arn[: -len(parsed.qualifier) - 1] if parsed.qualifier else arn


def is_valid_name(name: str) -> bool:
    """Return True for a name AWS accepts for a state machine or an execution (1-80 characters)."""
    return 1 <= len(name) <= 80 and not _INVALID_NAME_CHARS.search(name)


def parse_arn(arn: str, *, expect: tuple[str, ...]) -> ParsedArn:
    """Return the parts of a Step Functions ARN whose resource type is one of ``expect``.

    Raises ArnError with AWS's message when the text is not such an ARN.
    """
    match = ARN_RE.match(arn or "")
    if not match:
        raise ArnError(f"Invalid Arn: 'Invalid ARN prefix: {arn}'")
    resource_type, rest = match.group(4), match.group(5)
    if resource_type not in expect:
        raise ArnError(f"Invalid Arn: 'Resource type not valid in this context: {resource_type}'")
    parts = rest.split(":")
    if resource_type == "stateMachine" and len(parts) == 1:
        return ParsedArn(resource_type, parts[0])
    if resource_type == "stateMachine" and len(parts) == 2 and _is_qualifier(parts[1]):
        return ParsedArn(resource_type, parts[0], qualifier=parts[1])
    if resource_type == "execution" and len(parts) == 2:
        return ParsedArn(resource_type, parts[0], parts[1])
    if resource_type == "express" and len(parts) == 3:
        return ParsedArn(resource_type, parts[0], parts[1])
    raise ArnError(f"Invalid Arn: 'Resource type not valid in this context: {resource_type}'")


def _is_qualifier(text: str) -> bool:
    return bool(_VERSION_RE.match(text) or (len(text) <= 80 and ALIAS_NAME_RE.match(text)))
