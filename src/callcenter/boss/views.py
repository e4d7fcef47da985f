"""The ticket page's "forward to BOSS" button (a form POST with ``version`` and an
optional ``next``); the result is a message on the page it returns to."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from callcenter.accounts.models import User
from callcenter.accounts.roles import Capability, require
from callcenter.boss import actions
from callcenter.web.errors import ActionError


@require_POST
@require(Capability.AGENT_DESK)
def forward_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    assert isinstance(request.user, User)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, _("Reload the ticket and try again."))
        return HttpResponseRedirect(target)
    try:
        actions.forward(request.user, ticket_id, version=version, request=request)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The ticket will be forwarded to BOSS."))
    return HttpResponseRedirect(target)
