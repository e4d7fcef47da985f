from django.urls import path

from callcenter.telephony.consumers import RegistrationsConsumer

websocket_urlpatterns = [
    path("ws/telephony/registrations/", RegistrationsConsumer.as_asgi()),
]
