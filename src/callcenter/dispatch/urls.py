from django.urls import path

from callcenter.dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("receive/", views.receive_view, name="receive"),
    path("orders/", views.order_list_view, name="orders"),
    path("requests/", views.request_list_view, name="requests"),
    path("query/", views.query_view, name="query"),
    path("tickets/<int:pk>/", views.detail_view, name="detail"),
    path("tickets/<int:pk>/print/", views.print_view, name="print"),
]
