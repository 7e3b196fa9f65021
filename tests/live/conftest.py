"""Live tests run on the in-memory channel layer unless a test asks for Redis."""
from __future__ import annotations

import pytest

from config.settings import channel_layers
from designer.sink import DjangoExecutionSink


def pytest_configure(config):
    config.addinivalue_line("markers", "celery: runs real Celery workers on Redis (deselect: -m 'not celery')")


@pytest.fixture
def memory_layer(settings):
    """The in-memory channel layer (CHANNEL_LAYERS changed: Channels drops its cached layer)."""
    settings.CHANNEL_LAYERS = channel_layers("memory", "")


@pytest.fixture
def sink():
    """A sink of the test's own, flushed at the end so no write outlives the test's database."""
    writer = DjangoExecutionSink()
    yield writer
    writer.flush()


@pytest.fixture(autouse=True)
def embedded_runtime(settings):
    """The consumer tests run no worker: keep ``auto`` from choosing Celery on the machine's Redis."""
    from designer.runtime import set_runtime

    settings.SWITCHYARD_RUNTIME = "embedded"
    set_runtime(None)
    yield
    set_runtime(None)
