from django.urls import path

from callcenter.desktop import monitor, views

app_name = "desktop"

urlpatterns = [
    path("", views.desktop_view, name="desktop"),
    path("customers/", views.new_customer_view, name="customer_create"),
    path("customers/<str:number>/vehicles/", views.new_vehicle_view, name="vehicle_create"),
    path("calls/<str:call_id>/tickets/", views.call_tickets_view, name="call_tickets"),
    path("monitor/", monitor.monitor_view, name="monitor"),
]
