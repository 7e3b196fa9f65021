"""Websocket routes: the live execution view (designer/live, message shapes in docs/live.md)."""
from django.urls import re_path

from designer.live.consumers import ExecutionEventsConsumer, MachineExecutionsConsumer

websocket_urlpatterns = [
    # An ARN has colons but no slash; a client may percent-encode it (daphne decodes the path).
    re_path(r"^ws/executions/(?P<execution_arn>[^/]+)/?$", ExecutionEventsConsumer.as_asgi()),
    re_path(r"^ws/machines/(?P<name>[^/]+)/?$", MachineExecutionsConsumer.as_asgi()),
]
