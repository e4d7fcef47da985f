"""The tickets endpoints (see `api.openapi` for the contract):

- ``GET /api/tickets/``: the tickets the caller may see (`TicketQuerySet.visible_to`),
  filtered and paginated; ``POST /api/tickets/``: create one (`actions.create_ticket`).
- ``GET /api/tickets/<id>``: one ticket with its history; another unit's order is 404.
- ``POST /api/tickets/<id>/actions/<action>``: act, with the ``version`` the caller saw;
  each action calls its function in `tickets.actions`, which holds every rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any, TypeVar

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from callcenter.accounts.models import Handler, Unit, User
from callcenter.api.errors import ApiError
from callcenter.api.http import endpoint, json_response, read_json
from callcenter.tickets import actions
from callcenter.tickets.choices import Action, FeedbackKind, Kind, Priority, State
from callcenter.tickets.models import Category, ReturnReason, Ticket, TicketEvent
from callcenter.tickets.states import available_actions
from callcenter.web.errors import ActionError

MAX_ID = 2**63 - 1
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

# The API's action names for the rows of the state tables (the four feedback rows are
# one action with a ``feedback_kind``; editing is not offered here).
API_ACTION_OF = {
    Action.FEEDBACK_REPAIRED: "feedback",
    Action.FEEDBACK_UNFINISHED: "feedback",
    Action.FEEDBACK_DELAYED: "feedback",
    Action.FEEDBACK_NO_REPAIR: "feedback",
}


# --- parsing -----------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ApiError:
    return ApiError("invalid", message, field)


def parse_id(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise _invalid(field, _("Give a whole number."))
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise _invalid(field, _("Give a whole number."))
    return value


def _text(data: dict[str, Any], field: str) -> str:
    value = data.get(field, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(field, _("Give text."))
    if "\x00" in value:
        raise _invalid(field, _("The text contains a character that is not allowed."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _invalid(field, _("The text contains a character that is not allowed.")) from None
    return value


def _bool(data: dict[str, Any], field: str) -> bool | None:
    value = data.get(field)
    if value is not None and not isinstance(value, bool):
        raise _invalid(field, _("Give true or false."))
    return value


T = TypeVar("T")


def _object(model: type[T], data: dict[str, Any], field: str, **filters: Any) -> T | None:
    value = data.get(field)
    if value is None:
        return None
    pk = parse_id(value, field)
    found = model.objects.filter(pk=pk, **filters).first()  # type: ignore[attr-defined]
    if found is None:
        raise _invalid(field, _("There is no such entry: choose another."))
    return found  # type: ignore[no-any-return]


def _check_fields(data: dict[str, Any], allowed: frozenset[str]) -> None:
    for name in data:
        if name not in allowed:
            raise ApiError("unknown_field", _("This field is not known here."), name)


def _ticket_id(value: str) -> int:
    try:
        return parse_id(value, "id")
    except ApiError:
        raise _not_found() from None


def _not_found() -> ApiError:
    return ApiError("not_found", _("This ticket does not exist or is not handled by your unit."))


# --- rendering ---------------------------------------------------------------------------


def _when(value: datetime | None) -> str | None:
    return None if value is None else timezone.localtime(value).isoformat()


def ticket_data(ticket: Ticket, user: User) -> dict[str, Any]:
    offered: list[str] = []
    for action in available_actions(ticket, user):
        name = API_ACTION_OF.get(action, action.value)
        if name != Action.EDIT and name not in offered:
            offered.append(name)
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "kind": ticket.kind,
        "kind_label": str(ticket.get_kind_display()),
        "state": ticket.state,
        "state_label": str(ticket.get_state_display()),
        "priority": ticket.priority,
        "customer_name": ticket.customer_name,
        "caller_number": ticket.caller_number,
        "contact_phone": ticket.contact_phone,
        "address": ticket.address,
        "vehicle_plate": ticket.vehicle_plate,
        "description": ticket.description,
        "category": ticket.category_id,
        "unit": ticket.unit_id,
        "unit_name": ticket.unit.name if ticket.unit else None,
        "handler": ticket.handler_id,
        "handler_name": ticket.handler.name if ticket.handler else None,
        "created_by": ticket.created_by.name,
        "created_at": _when(ticket.created_at),
        "sent_at": _when(ticket.sent_at),
        "received_at": _when(ticket.received_at),
        "closed_at": _when(ticket.closed_at),
        "response_due": _when(ticket.response_due),
        "resolution_due": _when(ticket.resolution_due),
        "rerepair_count": ticket.rerepair_count,
        "feedback_kind": ticket.feedback_kind,
        "feedback_result": ticket.feedback_result,
        "feedback_reason": ticket.feedback_reason,
        "callback_reached": ticket.callback_reached,
        "callback_satisfied": ticket.callback_satisfied,
        "callback_notes": ticket.callback_notes,
        "close_notes": ticket.close_notes,
        "version": ticket.version,
        "actions": offered,
    }


def _event_data(event: TicketEvent) -> dict[str, Any]:
    return {
        "at": _when(event.at),
        "action": event.action,
        "action_label": event.action_label,
        "actor": event.actor.name if event.actor else None,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
        "notes": event.notes,
        "unit": event.unit_id,
        "handler": event.handler_id,
    }


def _detail(ticket_id: int, user: User, *, checked: bool = False) -> dict[str, Any]:
    """The ticket with its history; `checked`: the caller just acted on it, so it need
    not be visible any more (an order returned to the center)."""
    tickets = Ticket.objects.all() if checked else Ticket.objects.visible_to(user)
    ticket = tickets.select_related("unit", "handler", "created_by").filter(pk=ticket_id).first()
    if ticket is None:
        raise _not_found()
    data = ticket_data(ticket, user)
    data["history"] = [
        _event_data(event) for event in ticket.events.select_related("actor").order_by("at", "pk")
    ]
    return data


# --- list and create ---------------------------------------------------------------------

CREATE_FIELDS = frozenset(
    {
        "kind",
        "description",
        "customer_name",
        "caller_number",
        "contact_phone",
        "address",
        "vehicle_plate",
        "priority",
        "category",
    }
)


def _day_bound(value: str, field: str, end: bool) -> datetime:
    moment = parse_datetime(value) if "T" in value or " " in value else None
    if moment is None:
        try:
            day: date | None = parse_date(value)
        except ValueError:
            day = None
        if day is None:
            raise _invalid(field, _("Give a date (2026-11-22) or a date and time."))
        moment = datetime.combine(day, time.max if end else time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _filtered(request: HttpRequest, user: User) -> Any:
    query = request.GET
    tickets = Ticket.objects.visible_to(user)
    kind = query.get("kind")
    if kind:
        if kind not in Kind.values:
            raise _invalid("kind", _("Choose the kind of ticket."))
        tickets = tickets.filter(kind=kind)
    state = query.get("state")
    if state:
        if state not in State.values:
            raise _invalid("state", _("Choose a state."))
        tickets = tickets.filter(state=state)
    number = query.get("number", "").strip()
    if number:
        tickets = tickets.filter(number__icontains=number)
    phone = query.get("phone", "").strip()
    if phone:
        tickets = tickets.filter(
            Q(contact_phone__contains=phone) | Q(caller_number__contains=phone)
        )
    unit = query.get("unit")
    if unit:
        found = Unit.objects.filter(pk=parse_id(unit, "unit")).first()
        tickets = tickets.filter(unit_id__in=found.subtree_ids()) if found else tickets.none()
    for field, end in (("created_from", False), ("created_to", True)):
        value = query.get(field, "").strip()
        if value:
            try:
                bound = _day_bound(value, field, end)
            except (ValueError, OverflowError):
                raise _invalid(field, _("Give a date (2026-11-22) or a date and time.")) from None
            tickets = tickets.filter(**{"created_at__lte" if end else "created_at__gte": bound})
    return tickets


def _page_number(request: HttpRequest, field: str, default: int, highest: int) -> int:
    value = request.GET.get(field)
    if value is None or value == "":
        return default
    number = parse_id(value, field)
    if number > highest:
        raise _invalid(field, _("Give a number up to %(max)d.") % {"max": highest})
    return number


@endpoint("GET", "POST")
def tickets_view(request: HttpRequest, user: User) -> HttpResponse:
    if request.method == "POST":
        data = read_json(request)
        _check_fields(data, CREATE_FIELDS)
        kind = data.get("kind")
        if not isinstance(kind, str):
            raise _invalid("kind", _("Choose the kind of ticket."))
        priority = data.get("priority", Priority.NORMAL)
        if isinstance(priority, bool) or priority not in Priority.values:
            raise _invalid("priority", _("Choose a priority."))
        ticket = actions.create_ticket(
            user,
            kind=kind,
            description=_text(data, "description"),
            customer_name=_text(data, "customer_name"),
            caller_number=_text(data, "caller_number"),
            contact_phone=_text(data, "contact_phone"),
            address=_text(data, "address"),
            vehicle_plate=_text(data, "vehicle_plate"),
            priority=priority,
            category=_object(Category, data, "category"),
            request=request,
        )
        return json_response(_detail(ticket.pk, user, checked=True), status=201)
    tickets = _filtered(request, user)
    page = _page_number(request, "page", 1, 10**6)
    size = _page_number(request, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    count = tickets.count()
    rows = tickets.select_related("unit", "handler", "created_by")[(page - 1) * size : page * size]
    return json_response(
        {
            "count": count,
            "page": page,
            "page_size": size,
            "results": [ticket_data(ticket, user) for ticket in rows],
        }
    )


@endpoint("GET")
def ticket_view(request: HttpRequest, user: User, ticket_id: str) -> HttpResponse:
    return json_response(_detail(_ticket_id(ticket_id), user))


# --- actions -----------------------------------------------------------------------------

ACTION_FIELDS = frozenset(
    {
        "version",
        "unit",
        "handling_unit",
        "handler",
        "return_reason",
        "reason",
        "notes",
        "result",
        "feedback_kind",
        "repaired",
        "reached",
        "satisfied",
    }
)

Runner = Callable[[User, int, int, dict[str, Any], HttpRequest], Ticket]


def _return_runner(action: Callable[..., Ticket]) -> Runner:
    def run(
        user: User, pk: int, version: int, data: dict[str, Any], request: HttpRequest
    ) -> Ticket:
        reason = _object(ReturnReason, data, "return_reason")
        try:
            return action(
                user,
                pk,
                version=version,
                reason=reason,
                notes=_text(data, "notes"),
                request=request,
            )
        except ApiError:
            raise
        except ActionError as error:
            if error.field == "reason":
                error.field = "return_reason"
            raise

    return run


def _callback(
    user: User, pk: int, version: int, data: dict[str, Any], request: HttpRequest
) -> Ticket:
    reached = _bool(data, "reached")
    if reached is None:
        raise ApiError("reached_required", _("Say whether the customer was reached."), "reached")
    return actions.record_callback(
        user,
        pk,
        version=version,
        reached=reached,
        satisfied=_bool(data, "satisfied"),
        notes=_text(data, "notes"),
        request=request,
    )


def _feedback(
    user: User, pk: int, version: int, data: dict[str, Any], request: HttpRequest
) -> Ticket:
    kind = data.get("feedback_kind")
    if kind not in FeedbackKind.values:
        raise _invalid("feedback_kind", _("Choose the kind of feedback."))
    return actions.feedback(
        user,
        pk,
        version=version,
        kind=kind,
        repaired=bool(_bool(data, "repaired")),
        result=_text(data, "result"),
        reason=_text(data, "reason"),
        request=request,
    )


def _units(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "handling_unit": _object(Unit, data, "handling_unit"),
        "handler": _object(Handler, data, "handler"),
    }


RUNNERS: dict[str, Runner] = {
    "dispatch": lambda u, pk, v, d, r: actions.dispatch(
        u, pk, version=v, unit=_object(Unit, d, "unit"), request=r
    ),
    "resend": lambda u, pk, v, d, r: actions.resend(
        u, pk, version=v, unit=_object(Unit, d, "unit"), notes=_text(d, "notes"), request=r
    ),
    "receive": lambda u, pk, v, d, r: actions.receive(u, pk, version=v, request=r, **_units(d)),
    "return": _return_runner(actions.return_order),
    "assign": lambda u, pk, v, d, r: actions.assign(u, pk, version=v, request=r, **_units(d)),
    "late_return": _return_runner(actions.late_return),
    "feedback": _feedback,
    "callback": _callback,
    "send_back": lambda u, pk, v, d, r: actions.send_back_for_rerepair(
        u, pk, version=v, reason=_text(d, "reason"), request=r
    ),
    "close": lambda u, pk, v, d, r: actions.close(
        u, pk, version=v, reason=_text(d, "reason"), request=r
    ),
    "process": lambda u, pk, v, d, r: actions.process(
        u, pk, version=v, notes=_text(d, "notes"), request=r
    ),
    "finish": lambda u, pk, v, d, r: actions.finish(
        u, pk, version=v, notes=_text(d, "notes"), request=r
    ),
    "decline": lambda u, pk, v, d, r: actions.decline(
        u, pk, version=v, notes=_text(d, "notes"), request=r
    ),
}


def parse_version(data: dict[str, Any]) -> int:
    if data.get("version") is None:
        raise ApiError(
            "version_required",
            _("Give the version of the ticket you saw (its “version” field)."),
            "version",
        )
    return parse_id(data["version"], "version")


@endpoint("POST")
def action_view(request: HttpRequest, user: User, ticket_id: str, action: str) -> HttpResponse:
    pk = _ticket_id(ticket_id)
    runner = RUNNERS.get(action)
    if runner is None:
        raise ApiError("unknown_action", _("There is no such action."), "action")
    data = read_json(request)
    _check_fields(data, ACTION_FIELDS)
    version = parse_version(data)
    runner(user, pk, version, data, request)
    return json_response(_detail(pk, user, checked=True))


@endpoint("GET", "POST", "PUT", "PATCH", "DELETE", public=True)
def not_found_view(request: HttpRequest, user: None, rest: str = "") -> HttpResponse:
    raise ApiError("not_found", _("There is nothing at this address."), status=404)
