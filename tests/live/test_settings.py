"""SWITCHYARD_CHANNEL_LAYER reaches the running app: auto follows Redis, explicit choices hold."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from tests.runtime.celery_support import ROOT, TEST_REDIS_URL, redis_answers

PRINT_LAYER = ("import django; django.setup(); from django.conf import settings; from channels.layers import "
               "get_channel_layer; print(json.dumps([settings.SWITCHYARD_CHANNEL_LAYER, "
               "type(get_channel_layer()).__name__, settings.CHANNEL_LAYERS['default'].get('CONFIG', {})]))")


def layer_of(**env: str) -> list:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHYARD_CHANNEL")}
    environ.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    out = subprocess.run([sys.executable, "-c", "import json; " + PRINT_LAYER], cwd=ROOT, env=environ,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/3"


def test_auto_takes_the_redis_pubsub_layer_when_redis_answers():
    """With Redis answering, the app runs RedisPubSubChannelLayer, prefixed with the database number."""
    if not redis_answers(TEST_REDIS_URL):
        pytest.skip(f"no Redis answers at {TEST_REDIS_URL}")
    name, layer, config = layer_of(SWITCHYARD_CHANNEL_REDIS_URL=TEST_REDIS_URL)
    db = TEST_REDIS_URL.rsplit("/", 1)[1]
    assert (name, layer, config["hosts"], config["prefix"]) == (
        "redis", "RedisPubSubChannelLayer", [TEST_REDIS_URL], f"switchyard{db}")


def test_auto_falls_back_to_memory_when_no_redis_answers():
    """Nothing listening at the Redis URL: the in-memory layer, and the app still starts."""
    assert layer_of(SWITCHYARD_CHANNEL_REDIS_URL=closed_port_url())[:2] == ["memory", "InMemoryChannelLayer"]


def test_an_explicit_choice_holds_whatever_redis_does():
    """memory stays memory with Redis up; redis stays redis with Redis down (and fails loudly later)."""
    assert layer_of(SWITCHYARD_CHANNEL_LAYER="memory")[:2] == ["memory", "InMemoryChannelLayer"]
    forced = layer_of(SWITCHYARD_CHANNEL_LAYER="redis", SWITCHYARD_CHANNEL_REDIS_URL=closed_port_url())
    assert forced[:2] == ["redis", "RedisPubSubChannelLayer"]


def test_a_misspelt_choice_stops_the_app_with_the_allowed_values():
    """SWITCHYARD_CHANNEL_LAYER=reddis is an error that names the choices, not a silent fallback."""
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "SWITCHYARD_CHANNEL_LAYER": "reddis"}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=environ,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "SWITCHYARD_CHANNEL_LAYER must be one of" in out.stderr
    assert "'reddis'" in out.stderr
