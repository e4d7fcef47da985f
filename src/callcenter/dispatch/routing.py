from django.urls import path

from callcenter.dispatch.consumers import UnitDeskConsumer

websocket_urlpatterns = [
    path("ws/dispatch/unit/", UnitDeskConsumer.as_asgi()),
]
