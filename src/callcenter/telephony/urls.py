from django.urls import path

from callcenter.telephony import views

app_name = "telephony"

urlpatterns = [
    path("extensions/", views.extension_list_view, name="extension_list"),
    path("extensions/new/", views.extension_edit_view, name="extension_create"),
    path("extensions/<int:pk>/", views.extension_edit_view, name="extension_edit"),
    path("extensions/<int:pk>/delete/", views.extension_delete_view, name="extension_delete"),
]
