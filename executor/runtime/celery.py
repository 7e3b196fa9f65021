"""The name designer/runtime.py imports: ``from executor.runtime.celery import CeleryRuntime``."""
from .celery_runtime import CeleryRuntime, ExecutionAlreadyExists

__all__ = ["CeleryRuntime", "ExecutionAlreadyExists"]
