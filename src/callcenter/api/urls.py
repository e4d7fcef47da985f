from django.urls import path, re_path

from callcenter.api import openapi, views
from callcenter.boss import api as boss_api

app_name = "api"

urlpatterns = [
    path("openapi.json", openapi.openapi_view, name="openapi"),
    path("tickets/", views.tickets_view, name="tickets"),
    path("tickets/<str:ticket_id>", views.ticket_view, name="ticket"),
    path("tickets/<str:ticket_id>/actions/<str:action>", views.action_view, name="action"),
    path("tickets/<str:ticket_id>/boss/forward", boss_api.forward_view, name="boss-forward"),
    path("tickets/<str:ticket_id>/boss", boss_api.link_view, name="boss-link"),
    path("boss/updates", boss_api.updates_view, name="boss-updates"),
    re_path(r"^(?P<rest>.*)$", views.not_found_view),
]
