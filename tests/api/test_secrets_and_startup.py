"""No published secret is used beyond loopback, compose carries none, and starting is quiet."""
from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

from config.secret_key import DEVELOPMENT_KEY, is_public, secret_key

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize(("environ", "public"), [
    ({}, False),
    ({"HOST": "127.0.0.1", "ALLOWED_HOSTS": "127.0.0.1,localhost,[::1]"}, False),
    ({"HOST": "::1"}, False),
    ({"HOST": "0.0.0.0"}, True),
    ({"HOST": "192.168.1.5"}, True),
    ({"ALLOWED_HOSTS": "127.0.0.1,switchyard.example.com"}, True),
    ({"ALLOWED_HOSTS": "*"}, True),
    ({"SWITCHYARD_PUBLIC": "1"}, True),
])
def test_the_server_counts_as_public_when_it_may_be_reached_from_elsewhere(environ, public):
    assert is_public(environ) is public


def test_on_loopback_the_development_key_is_used(tmp_path):
    assert secret_key({}, tmp_path) == DEVELOPMENT_KEY
    assert not (tmp_path / "secret_key").exists()


def test_a_public_server_without_a_key_generates_one_and_keeps_it(tmp_path):
    first = secret_key({"HOST": "0.0.0.0"}, tmp_path)
    assert first != DEVELOPMENT_KEY and len(first) >= 50
    assert secret_key({"SWITCHYARD_PUBLIC": "1"}, tmp_path) == first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


@pytest.mark.parametrize("key", [DEVELOPMENT_KEY, "change-me", "change-me-to-a-long-random-string"])
def test_a_public_server_refuses_a_published_key_naming_the_setting(tmp_path, key):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        secret_key({"HOST": "0.0.0.0", "SECRET_KEY": key}, tmp_path)


def test_a_public_server_uses_the_key_it_is_given(tmp_path):
    assert secret_key({"SWITCHYARD_PUBLIC": "1", "SECRET_KEY": STRONG_KEY}, tmp_path) == STRONG_KEY


def _manage(*args: str, **environ: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "HOST", "ALLOWED_HOSTS")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**env, **environ},
                          capture_output=True, text=True, timeout=120)


def test_starting_beyond_loopback_with_a_placeholder_key_fails_naming_secret_key():
    done = _manage("check", HOST="0.0.0.0", SECRET_KEY="change-me")
    assert done.returncode != 0
    assert "SECRET_KEY is set to a published placeholder" in done.stderr


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_docker_compose_carries_no_published_secret():
    text = (ROOT / "docker-compose.yml").read_text()
    for name in ("SWITCHYARD_API_TOKEN", "SECRET_KEY"):
        values = re.findall(rf"^\s*{name}:\s*(.+)$", text, flags=re.M)
        assert values and all(v.startswith(f"${{{name}:?") for v in values), values


def test_check_deploy_is_clean_with_the_compose_settings():
    environ = {key: str(value) for key, value in _compose()["x-app"]["environment"].items()}
    environ = {key: re.sub(r"\$\{(\w+):[-?][^}]*\}", lambda m: {"SECRET_KEY": STRONG_KEY}.get(m.group(1), "0"),
                           value) for key, value in environ.items()}
    environ["SWITCHYARD_API_TOKEN"] = "a-token"
    environ["REDIS_URL"] = os.environ.get("SWITCHYARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/10")
    environ["SWITCHYARD_RUNTIME"] = "embedded"
    done = _manage("check", "--deploy", "--fail-level", "WARNING", **environ)
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_the_runtime_choice_piped_to_head_prints_no_broken_pipe():
    """`make run` reads the choice through a pipe; an early reader must not cause a traceback."""
    command = f"{sys.executable} -m config.runtime_choice | head -c 1 >/dev/null"
    for _ in range(10):
        done = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONUNBUFFERED": "1", "SWITCHYARD_RUNTIME": "embedded"})
        assert "BrokenPipeError" not in done.stderr and "Traceback" not in done.stderr, done.stderr
