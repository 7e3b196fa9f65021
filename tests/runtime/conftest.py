"""Shared fixtures for the runtime tests: real Celery workers on a dedicated Redis database."""
from __future__ import annotations

import uuid

import pytest

from .celery_support import TEST_REDIS_URL, Workers, make_app, redis_answers


def pytest_configure(config):
    config.addinivalue_line("markers", "celery: runs real Celery workers on Redis (deselect: -m 'not celery')")


@pytest.fixture(scope="session")
def celery_redis():
    """The test Redis database, emptied (only that database) before the run."""
    if not redis_answers(TEST_REDIS_URL):
        pytest.skip(f"no Redis answers at {TEST_REDIS_URL}")
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    return client


@pytest.fixture(scope="session")
def aws_port() -> int:
    """The port where ``moto_server`` listens when a test asks for it; the workers are told at start."""
    from tests.resources.servers import free_port

    return free_port()


@pytest.fixture(scope="session")
def moto_server(aws_port):
    """moto's AWS stand-in at the address the workers forward AWS service Tasks to."""
    from tests.resources.servers import MotoServer

    with MotoServer(aws_port) as server:
        yield server


@pytest.fixture(scope="session")
def buckets_dir(tmp_path_factory):
    """The folder buckets (SWITCHYARD_BUCKETS_DIR) of the workers; tests point this process at it too."""
    return tmp_path_factory.mktemp("buckets")


@pytest.fixture(scope="session")
def celery_workers(celery_redis, tmp_path_factory, aws_port, buckets_dir):
    """Two prefork workers of concurrency 2 on the ``states`` queue, shared by the session."""
    workers = Workers(TEST_REDIS_URL, log_dir=tmp_path_factory.mktemp("celery-logs"),
                      SWITCHYARD_AWS_ENDPOINT_URL=f"http://127.0.0.1:{aws_port}",
                      SWITCHYARD_BUCKETS_DIR=str(buckets_dir))
    try:
        workers.start(count=2, concurrency=2)
        yield workers
    finally:
        workers.stop()


@pytest.fixture(scope="session")
def celery_runtime(celery_workers):
    from executor.runtime.celery_runtime import CeleryRuntime

    runtime = CeleryRuntime(app=make_app(TEST_REDIS_URL), redis_url=TEST_REDIS_URL, mirror_history=True)
    yield runtime
    runtime.close()


@pytest.fixture
def bound():
    """Bind handlers for one test under unique names; unbinds them after."""
    from executor.resources.lambdas import handler, unbind

    names = []

    def bind(fn, name=None):
        name = name or f"fn-{uuid.uuid4().hex[:8]}"
        handler(name)(fn)
        names.append(name)
        return name
    yield bind
    for name in names:
        unbind(name)


@pytest.fixture(scope="module")
def runtime():
    """An embedded runtime shared by a module's tests (modules that need another define their own)."""
    from executor.runtime.embedded import EmbeddedRuntime

    runtime = EmbeddedRuntime()
    yield runtime
    runtime.close()
