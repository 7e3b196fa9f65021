"""The ends of executions this process started, heard as the drivers announce them.

A client that started an execution polls DescribeExecution until it ends: several times for
each execution, each poll a Redis round trip to ask whether it still runs. Instead a driver
publishes each end on ``keys.ENDED`` in the transaction that records it, and one thread here
listens. While it has listened without a break since before an execution was started here, the
execution runs until its end is heard: a poll is answered from memory. For any other execution
(started before the listener was subscribed, or while it was away) the caller asks Redis, as
:meth:`Ends.state` says with None.
"""
from __future__ import annotations

import collections
import logging
import threading
import time

import redis

from .store import keys

__all__ = ["Ends"]

log = logging.getLogger(__name__)

_WATCHED_MAX = 20_000  # executions held at once; the oldest are let go (their polls ask Redis)
_RESULTS_MAX_BYTES = 32 * 1024 * 1024  # past this, an end is held without its result (asked of Redis)
_ENDED = object()  # an end heard whose result was not kept


class Ends:
    """Listens on ``keys.ENDED`` for the executions :meth:`watch` was told of. Thread-safe."""

    def __init__(self, redis_url: str):
        self._url = redis_url
        self._since: float | None = None  # monotonic time of the subscription that still holds
        self._watched: collections.OrderedDict[str, float] = collections.OrderedDict()
        self._ended: dict[str, object] = {}  # ARN -> the result's JSON (bytes), or _ENDED
        self._bytes = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pubsub: redis.client.PubSub | None = None
        self._closed = False

    def watch(self, arn: str) -> None:
        """Before the execution is saved: its end, once heard, is kept until :meth:`state` gives it."""
        with self._lock:
            self._drop(arn)  # a redriven execution: the end of its last run is no answer
            self._watched.pop(arn, None)
            self._watched[arn] = time.monotonic()
            while len(self._watched) > _WATCHED_MAX:
                self._drop(self._watched.popitem(last=False)[0])
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._listen, name="sy-ends", daemon=True)
                self._thread.start()

    def state(self, arn: str) -> tuple[bool, bytes | None] | None:
        """(True, None) while the execution surely runs; (False, result JSON or None: ask Redis for it)
        once its end was heard, given once; None when only Redis can say."""
        since = self._since
        with self._lock:
            watched = self._watched.get(arn)
            if watched is None:
                return None
            ended = self._ended.get(arn)
            if ended is not None:
                del self._watched[arn]
                self._drop(arn)
                return False, None if ended is _ENDED else ended
        if since is None or watched < since:
            return None
        return True, None

    def forget(self, arn: str) -> None:
        with self._lock:
            self._watched.pop(arn, None)
            self._drop(arn)

    def close(self) -> None:
        """Stop listening: the listener's connection is closed, so its thread ends."""
        self._closed = True
        pubsub = self._pubsub
        if pubsub is not None:
            try:
                pubsub.close()
            except Exception:
                pass

    def _drop(self, arn: str) -> None:
        ended = self._ended.pop(arn, None)
        if isinstance(ended, bytes):
            self._bytes -= len(ended)

    def _heard(self, data: bytes) -> None:
        arn_bytes, _, result = data.partition(b"\n")
        arn = arn_bytes.decode()
        with self._lock:
            if arn not in self._watched or arn in self._ended:
                return
            if self._bytes + len(result) > _RESULTS_MAX_BYTES:
                self._ended[arn] = _ENDED
            else:
                self._ended[arn] = result
                self._bytes += len(result)

    def _listen(self) -> None:
        away = False  # said once per outage, not at each attempt to reconnect
        while not self._closed:
            client = redis.Redis.from_url(self._url, socket_connect_timeout=2, health_check_interval=10)
            pubsub = self._pubsub = client.pubsub()
            try:
                pubsub.subscribe(keys.ENDED)
                for message in pubsub.listen():
                    if self._closed:
                        return
                    if message["type"] == "subscribe":
                        # Every end published from now on reaches this loop; an execution watched
                        # before now may have ended unheard.
                        self._since = time.monotonic()
                        if away:
                            log.info("listening for ends of executions again")
                            away = False
                    elif message["type"] == "message":
                        self._heard(message["data"])
            except Exception as exc:  # Redis away, or the connection closed by close()
                if self._closed:
                    return
                if not isinstance(exc, (redis.RedisError, OSError)):
                    log.exception("listening for ends of executions failed; polls ask Redis meanwhile")
                elif not away:
                    log.info("listening for ends of executions stopped (%s); polls ask Redis meanwhile", exc)
                away = True
            finally:
                self._since = None
                try:
                    pubsub.close()
                    client.close()
                except Exception:
                    pass
            time.sleep(0.5)
