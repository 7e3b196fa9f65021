"""Websocket routes (the live execution overlay adds its consumer here)."""

websocket_urlpatterns: list = []
