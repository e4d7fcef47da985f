from django.urls import path

from callcenter.acd import views

app_name = "acd"

urlpatterns = [
    path("queues/", views.queue_list_view, name="queue_list"),
    path("queues/new/", views.queue_edit_view, name="queue_create"),
    path("queues/<int:pk>/", views.queue_edit_view, name="queue_edit"),
    path("queues/<int:pk>/delete/", views.queue_delete_view, name="queue_delete"),
    path("queues/<int:pk>/agents/", views.tier_add_view, name="tier_add"),
    path(
        "queues/<int:pk>/agents/<int:tier_pk>/remove/",
        views.tier_remove_view,
        name="tier_remove",
    ),
    path("skills/", views.skill_list_view, name="skill_list"),
    path("skills/new/", views.skill_edit_view, name="skill_create"),
    path("skills/<int:pk>/", views.skill_edit_view, name="skill_edit"),
    path("skills/<int:pk>/delete/", views.skill_delete_view, name="skill_delete"),
    path("agent-skills/new/", views.agent_skill_edit_view, name="agent_skill_create"),
    path("agent-skills/<int:pk>/", views.agent_skill_edit_view, name="agent_skill_edit"),
    path(
        "agent-skills/<int:pk>/delete/",
        views.agent_skill_delete_view,
        name="agent_skill_delete",
    ),
    path("reasons/", views.reason_list_view, name="reason_list"),
    path("reasons/new/", views.reason_edit_view, name="reason_create"),
    path("reasons/<int:pk>/", views.reason_edit_view, name="reason_edit"),
    path("reasons/<int:pk>/delete/", views.reason_delete_view, name="reason_delete"),
]
