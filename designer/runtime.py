"""The process-wide runtime that carries out executions (embedded now, Celery later)."""
from __future__ import annotations

import logging
import threading

from django.conf import settings

from config.runtime_choice import choose_runtime
from executor.runtime.base import Runtime

logger = logging.getLogger(__name__)

__all__ = ["get_runtime", "set_runtime", "runtime_name", "inference_runs_apart"]

_runtime: Runtime | None = None
_lock = threading.Lock()


def inference_runs_apart() -> bool:
    """Whether the models run in inference workers rather than in this process: whenever Celery
    carries the work (the Celery runtime, or SWITCHYARD_INFERENCE_MODE=celery)."""
    from executor.inference import settings as inference_settings

    return inference_settings.inference_mode() == "celery" or runtime_name() == "celery"


def runtime_name() -> str:
    """Return the name of the runtime this process uses (or would use): embedded or celery."""
    return _runtime.name if _runtime is not None else choose_runtime(settings.SWITCHYARD_RUNTIME, settings.REDIS_URL)[0]


def get_runtime() -> Runtime:
    """Return the runtime, creating it on first use per ``SWITCHYARD_RUNTIME`` (see config.runtime_choice)."""
    global _runtime
    with _lock:
        if _runtime is None:
            name, why = choose_runtime(settings.SWITCHYARD_RUNTIME, settings.REDIS_URL)
            _runtime = _create(name)
            logger.info("Switchyard runtime: %s (%s)", name, why)
        return _runtime


def current_runtime() -> Runtime | None:
    """The runtime this process made, if it made one yet (None: nothing has run here)."""
    return _runtime


def set_runtime(runtime: Runtime | None) -> Runtime | None:
    """Replace the runtime (tests); return the previous one."""
    global _runtime
    with _lock:
        previous, _runtime = _runtime, runtime
        return previous


def _create(name: str) -> Runtime:
    if name == "celery":
        # The runtime takes the app and the Redis URL from here: executor never reads config itself.
        from config.celery import app
        from executor.runtime.celery import CeleryRuntime

        return CeleryRuntime(app=app, redis_url=settings.REDIS_URL)
    from executor.runtime.embedded import EmbeddedRuntime

    # Task tokens derive from the secret key, which outlives a restart: a resumed callback keeps its token.
    return EmbeddedRuntime(secret=settings.SECRET_KEY)
