from django.urls import path

from callcenter.telephony import views

app_name = "telephony"

urlpatterns = [
    path("extensions/", views.extension_list_view, name="extension_list"),
    path("extensions/new/", views.extension_edit_view, name="extension_create"),
    path("extensions/<int:pk>/", views.extension_edit_view, name="extension_edit"),
    path("extensions/<int:pk>/delete/", views.extension_delete_view, name="extension_delete"),
    path("trunks/", views.trunk_list_view, name="trunk_list"),
    path("trunks/new/", views.trunk_edit_view, name="trunk_create"),
    path("trunks/<int:pk>/", views.trunk_edit_view, name="trunk_edit"),
    path("trunks/<int:pk>/delete/", views.trunk_delete_view, name="trunk_delete"),
    path("routes/", views.route_list_view, name="route_list"),
    path("routes/new/", views.route_edit_view, name="route_create"),
    path("routes/<int:pk>/", views.route_edit_view, name="route_edit"),
    path("routes/<int:pk>/delete/", views.route_delete_view, name="route_delete"),
]
