"""The Celery runtime's records in Redis: one set of keys per execution.

Everything a driver needs to resume an execution after its process died lives
here, written as the execution goes: the request, the history events (with the
ids they were given), each Task's recorded result by the interpreter's replay
key, Wait deadlines, task tokens. Keys (``{arn}`` is the execution ARN):

``sy:x:{arn}:req``    the ExecutionRequest (JSON) plus a per-execution secret
``sy:x:{arn}:ev``     the history events in the order written: a list of batches (each a JSON array)
``sy:x:{arn}:res``    hash: replay key -> ``{"ok": value}`` or ``{"error", "cause"}``
``sy:x:{arn}:disp``   hash: replay key -> Celery task id of the work sent for it
``sy:x:{arn}:starts`` hash: replay key -> how many times a worker began it
``sy:x:{arn}:run:K``  claim of the worker running replay key K (TTL, renewed)
``sy:x:{arn}:sleep``  hash: id of the event before a wait -> its deadline
``sy:x:{arn}:inbox``  list of messages to the driver (results, restarts, stop)
``sy:x:{arn}:lock``   the driver's lock (TTL, renewed)
``sy:x:{arn}:stop``   StopExecution's error and cause
``sy:x:{arn}:result`` the terminal ExecutionResult; ``:fin`` a list to wake waiters
``sy:tok:{token}``    a task token's owner (execution, replay key, heartbeat)
``sy:starts``         list of execution ARNs to start, popped by the driver hosts
``sy:leases``         sorted set: execution ARN -> when its holder's lease lapses (epoch s)
``sy:wake:{holder}``  list of ARNs whose inbox got a message, read by the lock's holder

Locks and claims hold ``host:pid:nonce``; a holder on this host whose process is
gone is taken over at once, one elsewhere when its TTL lapses.
"""
from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import asdict
from json.encoder import c_make_encoder, encode_basestring
from typing import Any

import orjson
import redis

from executor.asl.history import not_json

from .base import ExecutionRequest, ExecutionResult

__all__ = ["DEFAULT_REDIS_URL", "redis_url", "keys", "token_key", "owner_id", "holder_is_dead",
           "sync_client", "save_request", "save_ended", "load_request", "load_result", "TAKEOVER_LUA", "RENEW_LUA",
           "claim", "RETENTION_SECONDS", "notify", "START_GRACE_S"]

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
RETENTION_SECONDS = int(os.environ.get("SWITCHYARD_RETENTION_SECONDS", str(7 * 24 * 3600)))

_HOST = socket.gethostname()
#: how long a started execution may wait for a host to pick up its start message before any
#: host's sweep adopts it (a lost message, or every worker busy)
START_GRACE_S = float(os.environ.get("SWITCHYARD_START_GRACE_S", "10"))


def redis_url() -> str:
    """The Redis that holds the runtime's records (the broker's, unless SWITCHYARD_STORE_URL says)."""
    return os.environ.get("SWITCHYARD_STORE_URL") or os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


class keys:  # noqa: N801 - a namespace of key builders
    @staticmethod
    def x(arn: str, part: str) -> str:
        return f"sy:x:{arn}:{part}"

    @staticmethod
    def run(arn: str, key: str) -> str:
        return f"sy:x:{arn}:run:{key}"

    @staticmethod
    def wake(holder: str) -> str:
        return f"sy:wake:{holder}"

    RUNNING = "sy:running"  # executions started and not finished
    LEASES = "sy:leases"  # executions held (or to be held) by a driver host, by lease expiry
    STARTS = "sy:starts"  # executions to start: the first driver host that pops one adopts it
    HOSTS = "sy:hosts"  # hash: driver host -> {"held": executions, "at": when it said so}
    MIRROR = "sy:mirror"  # executions whose history a web process copies into its sink
    ENDED = "sy:ended"  # channel: "<ARN>\n<result JSON>", published by a driver as it records an end

    #: every per-execution key except the run claims (deleted by the worker that holds them)
    ALL = ("req", "ev", "res", "disp", "starts", "sleep", "inbox", "lock", "stop", "result", "fin", "tok",
           "mcur")


def token_key(token: str) -> str:
    return f"sy:tok:{token}"


def owner_id() -> str:
    """A holder id for locks and claims: this host, this process, and a nonce."""
    return f"{_HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_is_dead(holder: str | bytes | None) -> bool:
    """True when ``holder`` names a process on this host that no longer runs (or is a zombie)."""
    if holder is None:
        return True
    if isinstance(holder, bytes):
        holder = holder.decode()
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _HOST or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return False


#: SET key new PX ttl if the key is absent or holds ARGV[3] (a dead holder); returns 1 when taken.
TAKEOVER_LUA = """
local cur = redis.call('get', KEYS[1])
if (not cur) or cur == ARGV[3] then
  redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

#: Adopt an execution in one round trip. KEYS: its lock, the leases, then its req, result, ev,
#: res, disp and sleep. ARGV: the new holder, the lock's TTL in ms, the holder it may take over
#: (dead, or ""), the execution's ARN and its lease's expiry. Returns {"finished"} or {"gone"}
#: (the lease dropped), {"held", holder} or {"adopted", req, ev, res, disp, sleep}: what the
#: driver loads, read after the lock is taken.
TAKE_AND_LOAD_LUA = """
if redis.call('exists', KEYS[4]) == 1 then redis.call('zrem', KEYS[2], ARGV[4]) return {'finished'} end
local req = redis.call('get', KEYS[3])
if not req then redis.call('zrem', KEYS[2], ARGV[4]) return {'gone'} end
local cur = redis.call('get', KEYS[1])
if cur and cur ~= ARGV[3] then return {'held', cur} end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('zadd', KEYS[2], ARGV[5], ARGV[4])
return {'adopted', req, redis.call('lrange', KEYS[5], 0, -1), redis.call('hgetall', KEYS[6]),
        redis.call('hgetall', KEYS[7]), redis.call('hgetall', KEYS[8])}
"""

#: Extend the key's TTL if ARGV[1] still holds it: 1; absent: -1; held by another: 0.
RENEW_LUA = """
local cur = redis.call('get', KEYS[1])
if not cur then return -1 end
if cur == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
return 0
"""


#: A driver records an execution's end in one command: the result (kept ``ARGV[3]`` s), a wake-up
#: for waiters, the announcement on the channel ``ARGV[6]`` (executor/runtime/ends.py), out of the
#: running set and the leases, its records kept ``ARGV[3]`` s (fin, req, ev) or ``ARGV[4]`` s (the
#: rest), and the lock released where ``ARGV[5]`` still holds it. Before all that, the last events
#: (``ARGV[7]``, a record of the event log, when given) join the log: the end costs one round trip.
#: KEYS: result, running, leases, lock, fin, req, ev, then the records kept for less long.
FINISH_LUA = """
if ARGV[7] then redis.call('rpush', KEYS[7], ARGV[7]) end
redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[3])
redis.call('rpush', KEYS[5], '1')
redis.call('publish', ARGV[6], ARGV[2] .. '\\n' .. ARGV[1])
redis.call('srem', KEYS[2], ARGV[2])
redis.call('zrem', KEYS[3], ARGV[2])
for i = 5, 7 do redis.call('expire', KEYS[i], ARGV[3]) end
for i = 8, #KEYS do redis.call('expire', KEYS[i], ARGV[4]) end
if redis.call('get', KEYS[4]) == ARGV[5] then redis.call('pexpire', KEYS[4], 1) end
return 1
"""


def claim(client: redis.Redis, key: str, holder: str, ttl_ms: int) -> bool:
    """Take ``key`` for ``holder``: when free, or when its holder is a dead process on this host."""
    if client.set(key, holder, nx=True, px=ttl_ms):
        return True
    current = client.get(key)
    if current is not None and holder_is_dead(current):
        return bool(client.eval(TAKEOVER_LUA, 1, key, holder, ttl_ms, current))
    return False


#: Append ARGV[1] to the inbox KEYS[1] and wake the holder of the lock KEYS[2] (ARGV[2]: the ARN).
_NOTIFY_LUA = """
redis.call('rpush', KEYS[1], ARGV[1])
local holder = redis.call('get', KEYS[2])
if holder then redis.call('rpush', 'sy:wake:' .. holder, ARGV[2]) end
return 1
"""


def notify(client: Any, arn: str, message: dict) -> Any:
    """Send ``message`` to the driver of ``arn``: queue it in the inbox and wake that driver's host.
    ``client`` may be a pipeline (then the call is queued with it). A plain EVAL: a registered
    script would cost a SCRIPT EXISTS round trip in every pipeline."""
    return client.eval(_NOTIFY_LUA, 2, keys.x(arn, "inbox"), keys.x(arn, "lock"), dumps_record(message), arn)


_clients: dict[str, redis.Redis] = {}


def sync_client(url: str | None = None) -> redis.Redis:
    """A process-wide client per URL (a new process, e.g. after fork, gets its own)."""
    url = url or redis_url()
    cache_key = f"{os.getpid()}|{url}"
    client = _clients.get(cache_key)
    if client is None:
        client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=15,
                                      retry_on_timeout=True)
        _clients[cache_key] = client
    return client


#: Record the request KEYS[1] = ARGV[1] unless it exists (0); then list it as running (KEYS[2]),
#: give it a start lease (KEYS[3], score ARGV[3]), queue it for the driver hosts (KEYS[5]) and,
#: with ARGV[4] == "1", list it for mirroring.
_SAVE_LUA = """
if redis.call('set', KEYS[1], ARGV[1], 'NX') == false then return 0 end
redis.call('sadd', KEYS[2], ARGV[2])
redis.call('zadd', KEYS[3], ARGV[3], ARGV[2])
if ARGV[4] == '1' then redis.call('sadd', KEYS[4], ARGV[2]) end
redis.call('rpush', KEYS[5], ARGV[2])
return 1
"""


def save_request(client: redis.Redis, request: ExecutionRequest, *, lease: float = 0.0, mirror: bool = False) -> bool:
    """Store the request with a fresh secret (for task tokens), list it as running with a start
    lease that lapses at ``lease`` (epoch s) and queue it for a driver host, in one round trip;
    False if the execution exists."""
    record = asdict(request)
    record["secret"] = uuid.uuid4().hex
    arn = request.execution_arn
    return bool(client.eval(_SAVE_LUA, 5, keys.x(arn, "req"), keys.RUNNING, keys.LEASES, keys.MIRROR, keys.STARTS,
                            json.dumps(record), arn, lease, "1" if mirror else "0"))


#: Record an execution that ran to its end where it started: the request KEYS[1] = ARGV[1] unless it
#: exists (0), its whole history (ARGV[6], one record of the event log KEYS[2]), its result KEYS[3]
#: (ARGV[3]), a wake-up for waiters (KEYS[4]) and the announcement on the channel ARGV[5], as
#: FINISH_LUA would; every key kept ARGV[4] s. It was never running, leased or queued.
_ENDED_LUA = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[4]) == false then return 0 end
redis.call('rpush', KEYS[2], ARGV[6])
redis.call('set', KEYS[3], ARGV[3], 'EX', ARGV[4])
redis.call('rpush', KEYS[4], '1')
redis.call('publish', ARGV[5], ARGV[2] .. '\\n' .. ARGV[3])
for i = 2, 4 do redis.call('expire', KEYS[i], ARGV[4]) end
return 1
"""


def save_ended(client: redis.Redis, request: ExecutionRequest, events: list[dict], result: ExecutionResult) -> bool:
    """Record, in one round trip, an execution that ran from start to end before it was saved
    (``lifecycle.run_alone``): what a driver would have left behind once it finished. False, writing
    nothing, if the execution exists."""
    record = asdict(request)
    record["secret"] = uuid.uuid4().hex
    arn = request.execution_arn
    return bool(client.eval(_ENDED_LUA, 4, keys.x(arn, "req"), keys.x(arn, "ev"), keys.x(arn, "result"),
                            keys.x(arn, "fin"), json.dumps(record), arn, json.dumps(result.__dict__),
                            RETENTION_SECONDS, keys.ENDED, dumps_events(events)))


_ADOPT_LUA = """
if redis.call('exists', KEYS[1]) == 1 or redis.call('exists', KEYS[6]) == 1 then return 0 end
redis.call('set', KEYS[1], ARGV[1])
redis.call('del', KEYS[7])
for i = 5, #ARGV do redis.call('rpush', KEYS[7], ARGV[i]) end
redis.call('sadd', KEYS[2], ARGV[2])
redis.call('zadd', KEYS[3], ARGV[3], ARGV[2])
if ARGV[4] == '1' then redis.call('sadd', KEYS[4], ARGV[2]) end
redis.call('rpush', KEYS[5], ARGV[2])
return 1
"""


def adopt_request(client: redis.Redis, request: ExecutionRequest, events: list[dict], *, lease: float = 0.0,
                  mirror: bool = False) -> bool:
    """As :func:`save_request`, for an execution that ran elsewhere (the embedded runtime, or a Redis
    that lost its records): its persisted history goes in first, so the driver resumes from it.
    False, changing nothing, when Redis already has the execution (running or ended)."""
    record = asdict(request)
    record["secret"] = uuid.uuid4().hex
    arn = request.execution_arn
    return bool(client.eval(_ADOPT_LUA, 7, keys.x(arn, "req"), keys.RUNNING, keys.LEASES, keys.MIRROR, keys.STARTS,
                            keys.x(arn, "result"), keys.x(arn, "ev"), json.dumps(record), arn, lease,
                            "1" if mirror else "0", *([dumps_events(events)] if events else [])))


def load_request(record_text: str | bytes | None) -> tuple[ExecutionRequest, str] | None:
    if record_text is None:
        return None
    record = json.loads(record_text)
    secret = record.pop("secret", "")
    return ExecutionRequest(**record), secret


def load_result(text: str | bytes | None) -> ExecutionResult | None:
    if text is None:
        return None
    return ExecutionResult(**json.loads(text))


# What json.dumps(separators=(",", ":"), ensure_ascii=False) makes, with the C encoder made once:
# json.dumps makes one per call, which costs more than encoding an event (records carry JSON
# values only, so no cycle check).
_RECORD_JSON = c_make_encoder(None, not_json, encode_basestring, None, ":", ",", False, False, True)


def dumps_record(value: Any) -> str:
    return "".join(_RECORD_JSON(value, 0))


def dumps_events(events: list[dict]) -> bytes | str:
    """A batch of history events as one record of the event log: a JSON array, one list element
    however many events (a driver writes one per batch, so 400 events cost Redis and the client
    one element, not 400). orjson writes it in a fifth of the time; a batch it refuses (a lone
    surrogate, an integer past 64 bits) is written as :func:`dumps_record` writes it. Events hold
    no NaN (their payloads are JSON text), which orjson would write as null."""
    try:
        return orjson.dumps(events)
    except TypeError:  # orjson.JSONEncodeError
        return dumps_record(events)


def loads_events(records: list[bytes | str]) -> list[dict]:
    """The events of an event log's records, in order: batches (arrays), or single events as
    records written before batches were (objects)."""
    events: list[dict] = []
    for record in records:
        value = json.loads(record)
        if isinstance(value, list):
            events.extend(value)
        else:
            events.append(value)
    return events
