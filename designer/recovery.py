"""At server start: executions left RUNNING by a stopped or crashed server go on.

``config/serve.py`` (what `make run` runs) asks for it with ``SWITCHYARD_RESUME_ON_START=1``;
the web process then resumes them on a background thread, so it answers at once. The same thread
then settles, every ``SETTLE_EVERY_S``, the executions whose end the runtime recorded but whose
writer died before the database had it (``designer.services.executions_settle``).
"""
from __future__ import annotations

import logging
import os
import threading
import time

__all__ = ["resume_on_start"]

logger = logging.getLogger(__name__)

SETTLE_EVERY_S = 15.0


def resume_on_start() -> threading.Thread | None:
    """Resume stranded executions in the background when the environment asks for it."""
    if os.environ.get("SWITCHYARD_RESUME_ON_START") != "1":
        return None

    def run() -> None:
        from django.db import close_old_connections

        from designer.services import executions_resume, executions_settle

        try:
            count = executions_resume()
            if count:
                print(f"Resumed {count} execution(s) that were running when the server stopped", flush=True)
        except Exception:
            logger.exception("Resuming the executions left running failed")
        finally:
            close_old_connections()
        while True:
            try:
                count = executions_settle()
                if count:
                    print(f"Wrote the end of {count} execution(s) whose writer stopped before it could", flush=True)
            except Exception as exc:  # Redis or the database away for a while: said once a round, briefly
                logger.warning("Settling ended executions failed (%s: %s); trying again in %.0f s",
                               type(exc).__name__, exc, SETTLE_EVERY_S)
            finally:
                close_old_connections()
            time.sleep(SETTLE_EVERY_S)

    thread = threading.Thread(target=run, name="switchyard-resume", daemon=True)
    thread.start()
    return thread
