from django.urls import path

from callcenter.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("relogin/", views.relogin_view, name="relogin"),
    path("password/", views.password_change_view, name="password_change"),
    path("agents/", views.agent_list_view, name="agent_list"),
    path("agents/new/", views.agent_create_view, name="agent_create"),
    path("agents/<int:pk>/", views.agent_edit_view, name="agent_edit"),
    path("agents/<int:pk>/password/", views.agent_password_view, name="agent_password"),
    path("agents/<int:pk>/deactivate/", views.agent_deactivate_view, name="agent_deactivate"),
    path("agents/<int:pk>/activate/", views.agent_activate_view, name="agent_activate"),
    path("agents/<int:pk>/unlock/", views.agent_unlock_view, name="agent_unlock"),
]
