"""Websocket group names: the one place they are made.

Channels allows only ASCII letters, digits, ``-_.`` and fewer than 100 characters in a group
name, and an ARN has colons and may be longer, so names carry a digest of the ARN or name.
"""
from __future__ import annotations

import hashlib

__all__ = ["execution_group", "machine_group"]


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def execution_group(arn: str) -> str:
    """The group that hears one execution's events and status."""
    return f"sy.execution.{_digest(arn)}"


def machine_group(name: str) -> str:
    """The group that hears the status of each execution of the state machine called ``name``."""
    return f"sy.machine.{_digest(name)}"
