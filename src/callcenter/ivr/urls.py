from django.urls import path

from callcenter.ivr import views

app_name = "ivr"

urlpatterns = [
    path("prompts/", views.prompt_list_view, name="prompt_list"),
    path("prompts/new/", views.prompt_edit_view, name="prompt_create"),
    path("prompts/<int:pk>/", views.prompt_edit_view, name="prompt_edit"),
    path("prompts/<int:pk>/delete/", views.prompt_delete_view, name="prompt_delete"),
    path("prompts/<int:pk>/audio.wav", views.prompt_audio_view, name="prompt_audio"),
    path("prompts/shipped/<slug:name>.wav", views.shipped_audio_view, name="shipped_audio"),
    path("flows/", views.flow_list_view, name="flow_list"),
    path("flows/new/", views.flow_edit_view, name="flow_create"),
    path("flows/<int:pk>/", views.flow_edit_view, name="flow_edit"),
    path("flows/<int:pk>/delete/", views.flow_delete_view, name="flow_delete"),
]
