"""The garbage collector's settings for the product's long-lived processes (web server, workers).

Start-up (Django, the apps, Celery, their imports) makes objects that live as long as the process:
:func:`settle_collector` moves them out of the collector's sight, so a full collection scans only
what requests and executions make, not pausing the process for tens of milliseconds each time.

And it collects the youngest generation every 50,000 allocations rather than every 700. An
execution makes thousands of short-lived containers (history events, rows, futures): at 700, a
collection found many of them still alive and moved them to the older generations, whose
collections then scanned them again (on a 200-state chain, the web process of the embedded
runtime spent about a tenth of its time collecting). Refcounting frees nearly all of them anyway;
only garbage in cycles waits a little longer.
"""
from __future__ import annotations

import gc

__all__ = ["THRESHOLDS", "settle_collector"]

#: gc.set_threshold's (youngest, middle, oldest)
THRESHOLDS = (50_000, 20, 20)


def settle_collector() -> None:
    """Collect once, freeze what is alive (start-up's objects) and set :data:`THRESHOLDS`."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
