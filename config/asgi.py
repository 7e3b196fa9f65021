"""ASGI entry point: HTTP goes to Django, websockets to the Channels consumers of config/routing.py."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models (the websocket routes will).
django_asgi_app = get_asgi_application()

from config.collector import settle_collector  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from designer.awsapi.asgi import AwsEndpointFastPath  # noqa: E402
from designer.recovery import resume_on_start  # noqa: E402
from designer.ws_auth import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        # SDK calls (POST / with X-Amz-Target) skip the browser middleware; see designer/awsapi/asgi.py.
        "http": AwsEndpointFastPath(django_asgi_app),
        # The same host, origin and token rules as HTTP; unknown paths are closed, not a 500.
        "websocket": websocket_application(websocket_urlpatterns),
    }
)

# Executions a stopped or crashed server left RUNNING go on (only when config/serve.py asks).
resume_on_start()

# What start-up made lives as long as the process: out of the collector's sight (config/collector.py).
settle_collector()
