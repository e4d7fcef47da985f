"""The home page of the shell, and the error pages in the user's language."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from callcenter.accounts.models import LoginRecord, User
from callcenter.accounts.roles import Capability, has_capability
from callcenter.telephony.models import Extension


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    context: dict[str, object] = {
        "recent_logins": LoginRecord.objects.filter(user=request.user)[:5],
    }
    if has_capability(request.user, Capability.ADMINISTER):
        context["counts"] = {
            "agents": User.objects.filter(is_active=True).count(),
            "extensions": Extension.objects.count(),
        }
    return render(request, "home.html", context)


def permission_denied_view(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    message = str(exception) if exception and str(exception) else _("You may not open this page.")
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def csrf_failure_view(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
