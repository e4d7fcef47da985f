from django.urls import path

from callcenter.crm import vehicle_info, views

app_name = "crm"

urlpatterns = [
    path("customers/", views.customer_list_view, name="customer_list"),
    path("customers/new/", views.customer_create_view, name="customer_create"),
    path("customers/<str:number>/", views.customer_detail_view, name="customer_detail"),
    path("customers/<str:number>/edit/", views.customer_edit_view, name="customer_edit"),
    path("customers/<str:number>/vehicles/new/", views.vehicle_edit_view, name="vehicle_create"),
    path("customers/<str:number>/vehicles/<int:pk>/", views.vehicle_edit_view, name="vehicle_edit"),
    path(
        "customers/<str:number>/vehicles/<int:pk>/delete/",
        views.vehicle_delete_view,
        name="vehicle_delete",
    ),
    path(
        "vehicles/<int:pk>/<str:what>.json",
        vehicle_info.vehicle_gis_view,
        name="vehicle_gis",
    ),
    path("contacts/", views.contact_list_view, name="contact_list"),
    path("contacts/new/", views.contact_edit_view, name="contact_create"),
    path("contacts/<int:pk>/", views.contact_edit_view, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete_view, name="contact_delete"),
]
