from django.urls import path

from callcenter.recordings import views

app_name = "recordings"

urlpatterns = [
    path("calls/", views.call_list_view, name="call_list"),
    path("calls/<int:pk>/", views.call_detail_view, name="call_detail"),
    path("calls/<int:pk>/recording.wav", views.recording_file_view, name="recording_file"),
    path("agent-status/", views.agent_status_view, name="agent_status"),
]
