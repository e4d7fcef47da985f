"""The ASGI application served by `callcenter serve` (uvicorn on uvloop)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "callcenter.web.settings")

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

django_application = get_asgi_application()

application = ProtocolTypeRouter({"http": django_application})
