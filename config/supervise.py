"""Keep a worker running: ``python -m config.supervise NAME -- COMMAND...``.

`make run` starts each Celery worker under this, so a worker whose main process dies (killed,
or brought down by a broker that vanished) is started again within a second or two. Executions
its pool processes held are then taken over by lease (executor/runtime/host.py), and its Task
work by the new worker. SIGTERM and SIGINT stop the worker and this process with it.
"""
from __future__ import annotations

import signal
import subprocess
import sys
import time

__all__ = ["supervise"]

_BACKOFF_S = (1, 2, 5, 10)
#: a worker that ran this long before it died is restarted at once again (not a crash loop)
_HEALTHY_S = 30


def supervise(name: str, command: list[str]) -> int:
    """Run ``command`` until told to stop, restarting it whenever it exits; return its last code."""
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    failures = 0
    code = 0
    while not stopping:
        started = time.monotonic()
        child = subprocess.Popen(command)
        code = child.wait()
        if stopping:
            break
        failures = 0 if time.monotonic() - started > _HEALTHY_S else failures + 1
        delay = _BACKOFF_S[min(failures, len(_BACKOFF_S) - 1)]
        print(f"{name} exited with {code}; starting it again in {delay}s", file=sys.stderr, flush=True)
        time.sleep(delay)
    return code


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m config.supervise NAME -- COMMAND...", file=sys.stderr)
        return 2
    return supervise(argv[0], argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
