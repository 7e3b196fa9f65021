"""Settings come from the environment and reach the running app; the runtime is chosen as documented."""
from __future__ import annotations

import subprocess
import sys

import pytest
from django.conf import settings

from config.runtime_choice import choose_runtime


def test_channels_and_celery_settings_reach_the_running_app():
    from channels.layers import get_channel_layer

    from config.celery import app

    assert type(get_channel_layer()).__name__ in ("InMemoryChannelLayer", "RedisPubSubChannelLayer")
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"]


def test_the_asgi_application_routes_http_and_websockets():
    from config.asgi import application

    assert set(application.application_mapping) == {"http", "websocket"}


def test_an_explicit_runtime_setting_wins():
    assert choose_runtime("embedded", "redis://127.0.0.1:1/0")[0] == "embedded"
    assert choose_runtime("celery", "redis://127.0.0.1:1/0")[0] == "celery"


def test_auto_falls_back_to_embedded_without_redis():
    name, why = choose_runtime("auto", "redis://127.0.0.1:1/0")
    assert name == "embedded"
    assert why.startswith("auto:")


def test_an_unknown_runtime_setting_is_refused():
    with pytest.raises(ValueError):
        choose_runtime("threads")


def test_the_runtime_line_is_printed_first_and_exactly(tmp_path):
    done = subprocess.run([sys.executable, "-m", "config.runtime_choice"], capture_output=True, text=True,
                          cwd=settings.BASE_DIR, env={"SWITCHYARD_RUNTIME": "embedded", "PATH": ""})
    assert done.stdout.splitlines()[0] == "Switchyard runtime: embedded"


def test_the_sqlite_database_runs_in_wal_mode(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0].lower() == "wal"
