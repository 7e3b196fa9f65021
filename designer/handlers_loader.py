"""Imports the modules named in ``SWITCHYARD_HANDLERS`` so their ``@handler`` functions bind."""
from __future__ import annotations

import importlib
import logging

from django.conf import settings

logger = logging.getLogger(__name__)

__all__ = ["load_handler_modules"]


def load_handler_modules(modules: list[str] | None = None) -> list[str]:
    """Import each handler module; return the names that imported.

    A module that fails to import is logged with its traceback rather than raised: the
    server still serves, and a Task bound to a missing handler fails with a clear error.
    """
    loaded = []
    for name in modules if modules is not None else settings.SWITCHYARD_HANDLERS:
        try:
            importlib.import_module(name)
        except Exception:  # a user's module can raise anything while importing
            logger.exception("Could not import the handler module %r (SWITCHYARD_HANDLERS)", name)
            continue
        loaded.append(name)
    return loaded
