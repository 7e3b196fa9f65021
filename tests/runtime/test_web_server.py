"""The web server as `make run` starts it (``python -m config.web``: daphne, with replies sent on the
loop's next turn rather than through epoll): every reply arrives whole and in order, small or far
larger than the socket takes at once, on connections kept alive or closed."""
from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time

import pytest

from tests.product import ROOT, free_port
from tests.runtime.web_echo_app import pattern


@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "config.web", "-b", "127.0.0.1", "-p", str(port), "-v", "0",
                             "tests.runtime.web_echo_app:app"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail(f"config.web did not listen: {proc.stdout.read().decode(errors='replace')}")
    yield port
    proc.terminate()
    proc.wait(10)


def test_the_server_sends_replies_without_epoll_on_this_twisted():
    """Where a Twisted lacks what the faster send uses, the server still works (the usual way): this
    says so, so that an upgrade that loses the speed is noticed."""
    import daphne.server  # noqa: F401 - installs the asyncio reactor, as the server does
    from twisted.internet import reactor

    from config.web import _send_without_epoll

    assert _send_without_epoll(reactor)


def test_many_replies_of_every_size_on_one_kept_alive_connection(server):
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    for n in [0, 1, 37, 1000, 65_536, 300_000, 3_000_000] * 3:
        for parts in (1, 4):
            conn.request("GET", f"/bytes/{n}?parts={parts}")
            response = conn.getresponse()
            assert response.status == 200
            assert response.read() == pattern(n), (n, parts)
    conn.close()


def test_a_reply_larger_than_the_socket_takes_arrives_whole_to_a_slow_reader(server):
    n = 8_000_000
    with socket.create_connection(("127.0.0.1", server), timeout=30) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65_536)
        sock.sendall(f"GET /bytes/{n} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        time.sleep(0.5)  # the server has written what the socket took and waits for the rest
        received = bytearray()
        while True:
            chunk = sock.recv(65_536)
            assert chunk, "the connection closed before the reply was whole"
            received += chunk
            end = received.find(b"\r\n\r\n")
            if end >= 0 and len(received) - end - 4 >= n:
                break
        head, _, body = bytes(received).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        assert body == pattern(n)


def test_a_connection_the_client_asks_to_close_is_closed_after_its_reply(server):
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        sock.sendall(b"GET /bytes/5000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        received = b""
        while chunk := sock.recv(65_536):  # ends when the server closes
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert body == pattern(5000)


def test_a_client_that_goes_away_mid_reply_leaves_the_server_answering_others(server):
    for _ in range(5):
        sock = socket.create_connection(("127.0.0.1", server), timeout=10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /bytes/5000000 HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.recv(1000)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()  # a reset, mid-reply
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    conn.request("GET", "/bytes/123")
    assert conn.getresponse().read() == pattern(123)
