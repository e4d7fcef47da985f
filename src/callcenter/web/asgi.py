"""The ASGI application served by `callcenter serve` (uvicorn on uvloop): Django's pages
over HTTP, and the live pages' WebSockets through Channels."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.web.settings")

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

django_application = get_asgi_application()

from callcenter.desktop.routing import (  # noqa: E402
    websocket_urlpatterns as desktop_websockets,
)
from callcenter.dispatch.routing import (  # noqa: E402
    websocket_urlpatterns as dispatch_websockets,
)
from callcenter.recordings.routing import (  # noqa: E402
    websocket_urlpatterns as recordings_websockets,
)
from callcenter.telephony.routing import (  # noqa: E402
    websocket_urlpatterns as telephony_websockets,
)

websocket_urlpatterns = (
    telephony_websockets + recordings_websockets + dispatch_websockets + desktop_websockets
)

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
