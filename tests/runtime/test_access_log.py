"""The server started as `make run` starts it writes a line per HTTP request only where ACCESS_LOG
asks: SDK clients poll DescribeExecution many times a second, and a line for each would bury the
rest of the output."""
from __future__ import annotations

import os

import pytest
import redis

from tests.product import Product

URL = os.environ.get("SWITCHYARD_TEST_REDIS", "redis://127.0.0.1:6379/12")


@pytest.fixture(scope="module", autouse=True)
def redis_up():
    try:
        redis.Redis.from_url(URL).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379 (the product's live layer uses it)")


@pytest.mark.parametrize("access_log", ["", "-"])
def test_a_line_per_request_only_where_access_log_asks(tmp_path, access_log):
    with Product(tmp_path, redis_url=URL, runtime="embedded", ACCESS_LOG=access_log) as product:
        sfn = product.sfn()
        for _ in range(3):
            assert sfn.list_state_machines()["stateMachines"] is not None
    lines = [line for line in product.log_path.read_text(errors="replace").splitlines() if '"POST /"' in line]
    if access_log:
        assert len(lines) >= 3, lines
    else:
        assert lines == []
