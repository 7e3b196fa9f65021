"""At server start: executions left RUNNING by a stopped or crashed server go on.

``config/serve.py`` (what `make run` runs) asks for it with ``SWITCHYARD_RESUME_ON_START=1``;
the web process then resumes them on a background thread, so it answers at once.
"""
from __future__ import annotations

import logging
import os
import threading

__all__ = ["resume_on_start"]

logger = logging.getLogger(__name__)


def resume_on_start() -> threading.Thread | None:
    """Resume stranded executions in the background when the environment asks for it."""
    if os.environ.get("SWITCHYARD_RESUME_ON_START") != "1":
        return None

    def run() -> None:
        from django.db import close_old_connections

        from designer.services import executions_resume

        try:
            count = executions_resume()
        except Exception:
            logger.exception("Resuming the executions left running failed")
            return
        finally:
            close_old_connections()
        if count:
            print(f"Resumed {count} execution(s) that were running when the server stopped", flush=True)

    thread = threading.Thread(target=run, name="switchyard-resume", daemon=True)
    thread.start()
    return thread
