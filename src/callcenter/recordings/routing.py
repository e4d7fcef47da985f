from django.urls import path

from callcenter.recordings.consumers import CallsConsumer

websocket_urlpatterns = [
    path("ws/recordings/calls/", CallsConsumer.as_asgi()),
]
