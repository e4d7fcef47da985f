from django.urls import path

from callcenter.desktop.consumers import DesktopConsumer

websocket_urlpatterns = [
    path("ws/desktop/", DesktopConsumer.as_asgi()),
]
