"""Websockets follow HTTP's rules: this site's origin, and loopback, the token or a login."""
from __future__ import annotations

import pytest
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.urls import path

from config.asgi import application
from designer.ws_auth import CLOSE_NOT_FOUND, CLOSE_REFUSED, websocket_application

pytestmark = pytest.mark.django_db(transaction=True)


class EchoConsumer(AsyncWebsocketConsumer):
    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=text_data)


ECHO = websocket_application([path("ws/echo/", EchoConsumer.as_asgi())])


async def _connect(app, path="/ws/echo/", client="127.0.0.1", **headers):
    pairs = [(b"host", b"127.0.0.1:8000")] + [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    communicator = WebsocketCommunicator(app, path, headers=pairs)
    communicator.scope["client"] = (client, 50000)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_a_loopback_client_with_this_sites_origin_is_let_in():
    communicator, connected, _ = await _connect(ECHO, origin="http://127.0.0.1:8000")
    assert connected
    await communicator.send_to(text_data="hi")
    assert await communicator.receive_from() == "hi"
    await communicator.disconnect()


async def test_a_client_without_an_origin_such_as_a_script_is_let_in_from_loopback():
    communicator, connected, _ = await _connect(ECHO)
    assert connected
    await communicator.disconnect()


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:9999"])
async def test_a_page_from_another_origin_is_refused_even_on_loopback(origin):
    _, connected, code = await _connect(ECHO, origin=origin)
    assert (connected, code) == (False, CLOSE_REFUSED)


async def test_a_remote_client_needs_the_token(settings):
    settings.SWITCHYARD_API_TOKEN = "s3cret"
    _, connected, code = await _connect(ECHO, client="10.1.2.3")
    assert (connected, code) == (False, CLOSE_REFUSED)
    _, connected, _ = await _connect(ECHO, client="10.1.2.3", authorization="Bearer guess")
    assert not connected
    communicator, connected, _ = await _connect(ECHO, client="10.1.2.3", authorization="Bearer s3cret")
    assert connected
    await communicator.disconnect()


async def test_a_host_outside_allowed_hosts_is_refused():
    communicator = WebsocketCommunicator(ECHO, "/ws/echo/", headers=[(b"host", b"attacker.example")])
    communicator.scope["client"] = ("127.0.0.1", 50000)
    assert await communicator.connect() == (False, CLOSE_REFUSED)


async def test_an_unknown_path_is_closed_cleanly_not_a_500():
    for app in (application, ECHO):
        _, connected, code = await _connect(app, path="/ws/nowhere/")
        assert (connected, code) == (False, CLOSE_NOT_FOUND)
