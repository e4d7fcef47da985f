"""The BOSS endpoints of the API (`api.openapi` documents them):

- ``POST /api/tickets/<id>/boss/forward`` ``{"version"}``: forward (202, the link);
- ``GET /api/tickets/<id>/boss``: the link with its exchanges (404 when not forwarded);
- ``POST /api/boss/updates``: BOSS's progress, signed (``X-Boss-Signature``); a wrong
  or missing signature is 401 and changes nothing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from callcenter.accounts.models import User
from callcenter.api.errors import ApiError
from callcenter.api.http import check_body, endpoint, json_response, read_json
from callcenter.api.views import parse_id, parse_version
from callcenter.boss import actions
from callcenter.boss.models import BossEndpoint, BossLink
from callcenter.boss.signing import verify
from callcenter.tickets.models import Ticket


def _ticket_pk(value: str) -> int:
    try:
        return parse_id(value, "id")
    except ApiError:
        raise actions.not_found() from None


@endpoint("POST")
def forward_view(request: HttpRequest, user: User, ticket_id: str) -> HttpResponse:
    pk = _ticket_pk(ticket_id)
    data = read_json(request)
    for name in data:
        if name != "version":
            raise ApiError("unknown_field", _("This field is not known here."), name)
    link = actions.forward(user, pk, version=parse_version(data), request=request)
    return json_response(actions.link_data(link), status=202)


@endpoint("GET")
def link_view(request: HttpRequest, user: User, ticket_id: str) -> HttpResponse:
    pk = _ticket_pk(ticket_id)
    if not Ticket.objects.visible_to(user).filter(pk=pk).exists():
        raise actions.not_found()
    link = BossLink.objects.select_related("ticket").filter(ticket_id=pk).first()
    if link is None:
        raise ApiError("not_found", _("This ticket was not forwarded to BOSS."))
    return json_response(actions.link_data(link))


@endpoint("POST", public=True)
def updates_view(request: HttpRequest, user: None) -> HttpResponse:
    check_body(request)  # type and size first: the body is read to be verified
    boss = BossEndpoint.current()
    if boss is None or not verify(
        boss.secret, request.body, request.headers.get("X-Boss-Signature")
    ):
        raise ApiError("invalid_signature", _("The signature of this update is wrong."))
    return json_response(actions.link_data(actions.record_update(read_json(request))))
