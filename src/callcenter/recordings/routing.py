from django.urls import path

from callcenter.recordings.consumers import CallsConsumer, EventFeedConsumer

websocket_urlpatterns = [
    path("ws/recordings/calls/", CallsConsumer.as_asgi()),
    path("ws/events/", EventFeedConsumer.as_asgi()),
]
