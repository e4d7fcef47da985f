from django.urls import path

from callcenter.boss import views

app_name = "boss"

urlpatterns = [
    path("tickets/<int:ticket_id>/forward", views.forward_view, name="forward"),
]
