from django.urls import path, re_path

from callcenter.api import call_control_views, customer_views, openapi, switch_views, views
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
    path("agents/", switch_views.agents_view, name="agents"),
    path("agents/<str:agent_id>", switch_views.agent_view, name="agent"),
    path("agents/<str:agent_id>/login", switch_views.login_view, name="agent-login"),
    path("agents/<str:agent_id>/logout", switch_views.logout_view, name="agent-logout"),
    path("agents/<str:agent_id>/status", switch_views.status_view, name="agent-status"),
    path("agents/<str:agent_id>/answer", call_control_views.answer_view, name="agent-answer"),
    path(
        "agents/<str:agent_id>/supervise",
        call_control_views.supervise_view,
        name="agent-supervise",
    ),
    path("agents/<str:agent_id>/wrap-up/end", switch_views.end_wrap_up_view, name="wrap-up-end"),
    path("calls/", call_control_views.calls_view, name="calls"),
    path("calls/<str:call_id>/hold", call_control_views.hold_view, name="call-hold"),
    path("calls/<str:call_id>/resume", call_control_views.resume_view, name="call-resume"),
    path("calls/<str:call_id>/consult", call_control_views.consult_view, name="call-consult"),
    path(
        "calls/<str:call_id>/consult/complete",
        call_control_views.complete_view,
        name="call-consult-complete",
    ),
    path(
        "calls/<str:call_id>/consult/cancel",
        call_control_views.cancel_view,
        name="call-consult-cancel",
    ),
    path(
        "calls/<str:call_id>/conference",
        call_control_views.conference_view,
        name="call-conference",
    ),
    path("calls/<str:call_id>/hangup", switch_views.hangup_view, name="call-hangup"),
    path("calls/<str:call_id>/transfer", switch_views.transfer_view, name="call-transfer"),
    path("queues/", switch_views.queues_view, name="queues"),
    path("customers/", customer_views.customers_view, name="customers"),
    path("customers/<str:number>", customer_views.customer_view, name="customer"),
    re_path(r"^(?P<rest>.*)$", views.not_found_view),
]
