"""Errors the designer's services raise, named with AWS Step Functions' error codes.

Both the AWS-compatible endpoint and the REST API translate them; ``code`` is the
exception name botocore knows (``StateMachineDoesNotExist`` ...), ``str()`` the message.
"""
from __future__ import annotations

__all__ = [
    "ServiceError",
    "InvalidName",
    "InvalidArn",
    "InvalidDefinition",
    "InvalidExecutionInput",
    "InvalidToken",
    "StateMachineAlreadyExists",
    "StateMachineDoesNotExist",
    "StateMachineTypeNotSupported",
    "ExecutionAlreadyExists",
    "ExecutionDoesNotExist",
    "ExecutionNotRedrivable",
    "ExecutionNotRerunnable",
    "MissingRequiredParameter",
    "ResourceNotFound",
    "TooManyTags",
    "ValidationException",
    "ConflictException",
    "ServiceQuotaExceededException",
]


class ServiceError(Exception):
    """Base class; ``code`` names the AWS error, ``status`` is the HTTP status AWS answers with."""

    code = "ServiceError"
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidName(ServiceError):
    code = "InvalidName"


class InvalidArn(ServiceError):
    code = "InvalidArn"


class InvalidDefinition(ServiceError):
    code = "InvalidDefinition"


class InvalidExecutionInput(ServiceError):
    code = "InvalidExecutionInput"


class InvalidToken(ServiceError):
    code = "InvalidToken"


class StateMachineAlreadyExists(ServiceError):
    code = "StateMachineAlreadyExists"


class StateMachineDoesNotExist(ServiceError):
    code = "StateMachineDoesNotExist"


class StateMachineTypeNotSupported(ServiceError):
    code = "StateMachineTypeNotSupported"


class ExecutionAlreadyExists(ServiceError):
    code = "ExecutionAlreadyExists"


class ExecutionDoesNotExist(ServiceError):
    code = "ExecutionDoesNotExist"


class ExecutionNotRedrivable(ServiceError):
    code = "ExecutionNotRedrivable"


class ExecutionNotRerunnable(ServiceError):
    """Only a finished execution can be re-run from a state (designer.rerun_services; not an AWS error)."""

    code = "ExecutionNotRerunnable"


class MissingRequiredParameter(ServiceError):
    code = "MissingRequiredParameter"


class ResourceNotFound(ServiceError):
    code = "ResourceNotFound"


class ValidationException(ServiceError):
    code = "ValidationException"


class ConflictException(ServiceError):
    """A version an alias still routes to, a revision that moved on, an alias asked for twice differently."""

    code = "ConflictException"
    status = 409  # as AWS's API reference gives it


class ServiceQuotaExceededException(ServiceError):
    code = "ServiceQuotaExceededException"
    status = 402  # as AWS's API reference gives it


class TooManyTags(ServiceError):
    code = "TooManyTags"
