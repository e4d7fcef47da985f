from django.urls import path

from callcenter.tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list_view, name="list"),
    path("export.xlsx", views.ticket_export_view, name="export"),
    path("new/", views.ticket_create_view, name="create"),
    path("returned/", views.returned_list_view, name="returned"),
    path("<int:pk>/", views.ticket_detail_view, name="detail"),
    path("<int:pk>/edit/", views.ticket_edit_view, name="edit"),
    path("<int:pk>/attach/", views.attachment_add_view, name="attach"),
    path("<int:pk>/<slug:action>/", views.ticket_action_view, name="action"),
    path("attachments/<int:pk>/", views.attachment_view, name="attachment"),
]
