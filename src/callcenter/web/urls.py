from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from callcenter.web import health, views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("callcenter.accounts.urls")),
    path("telephony/", include("callcenter.telephony.urls")),
    path("acd/", include("callcenter.acd.urls")),
    path("ivr/", include("callcenter.ivr.urls")),
    path("recordings/", include("callcenter.recordings.urls")),
    path("tickets/", include("callcenter.tickets.urls")),
    path("crm/", include("callcenter.crm.urls")),
    path("desktop/", include("callcenter.desktop.urls")),
    path("dispatch/", include("callcenter.dispatch.urls")),
    path("api/", include("callcenter.api.urls")),
    path("boss/", include("callcenter.boss.urls")),
    path("admin/", admin.site.urls),
]

handler403 = views.permission_denied_view
handler404 = views.page_not_found_view
