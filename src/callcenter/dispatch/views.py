"""The unit desk's pages (seed 001 chapter 4). Lists post their batch area here; each
order runs through `tickets.batch` on its own and the result page says, per order, what
happened (REQUIREMENTS C12). Only the operator's unit and the units below it are in
scope: another unit's order is answered 404, as if it did not exist; other roles get 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from callcenter.accounts.models import Handler, User
from callcenter.accounts.roles import Capability, require
from callcenter.dispatch.forms import (
    REQUEST_KINDS,
    FeedbackForm,
    HandleForm,
    OrderFilterForm,
    PlacementForm,
    ReturnForm,
    active_reasons,
    handlers_of,
)
from callcenter.tickets import batch
from callcenter.tickets.batch import Assignment, BatchResult, Decision, Item
from callcenter.tickets.choices import Action, Kind, State
from callcenter.tickets.models import ReturnReason, Ticket, TicketQuerySet
from callcenter.tickets.states import available_actions

PER_PAGE = 20
IN_HANDS = (State.IN_REPAIR, State.DELAYED)  # received, feedback still possible
REQUEST_OPEN = (State.SENT, State.PROCESSING)
REQUEST_STATES = (
    State.SENT,
    State.PROCESSING,
    State.FINISHED,
    State.DECLINED,
    State.RETURNED,
    State.VISITED,
    State.CLOSED,
)


def _operator(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _scope(request: HttpRequest) -> TicketQuerySet:
    return Ticket.objects.in_unit_scope(request.user).select_related(
        "unit", "handler", "category", "return_reason"
    )


def _waiting(request: HttpRequest) -> TicketQuerySet:
    return _scope(request).filter(kind=Kind.FAULT).waiting_for_unit()


def _page_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("fragment", None)
    return query.urlencode()


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _selected(post: QueryDict) -> list[Item]:
    """The ticked rows, each with the version the page showed (``version-<id>``)."""
    items: list[Item] = []
    for raw in post.getlist("selected"):
        pk = _int(raw)
        if pk is not None and all(item.ticket_id != pk for item in items):
            items.append(Item(pk, _int(post.get(f"version-{pk}"))))
    return items


def _reason(raw: str | None) -> ReturnReason | None:
    pk = _int(raw)
    return active_reasons().filter(pk=pk).first() if pk is not None else None


def _results(
    request: HttpRequest, title: str, results: Iterable[BatchResult], back: str
) -> HttpResponse:
    results = list(results)
    done = sum(1 for result in results if result.done)
    return render(
        request,
        "dispatch/results.html",
        {
            "title": title,
            "results": results,
            "done": done,
            "refused": len(results) - done,
            "back": back,
        },
    )


def _nothing_selected(request: HttpRequest, back: str) -> HttpResponse:
    messages.error(request, _("Select at least one order."))
    return redirect(back)


# --- 接单 ----------------------------------------------------------------------------------


def _receive_context(request: HttpRequest) -> dict[str, Any]:
    waiting = _waiting(request)
    new, rerepairs = waiting.receive_counts()
    return {
        "waiting": waiting.order_by("-priority", "sent_at", "pk"),
        "count_new": new,
        "count_rerepair": rerepairs,
        "count_total": new + rerepairs,
        "reasons": list(active_reasons()),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@require(Capability.UNIT_DESK)
def receive_view(request: HttpRequest) -> HttpResponse:
    """Receive (接单) and return (退单) what the center sent down (§4.5): per row or for
    the ticked rows, confirmed in one batch."""
    user = _operator(request)
    if request.method != "POST":
        context = _receive_context(request)
        if request.GET.get("fragment") == "waiting":
            return render(request, "dispatch/waiting.html", context)
        context["placement"] = PlacementForm(user)
        return render(request, "dispatch/receive.html", context)

    post = request.POST
    placement = PlacementForm(user, post)
    if not placement.is_valid():
        context = _receive_context(request)
        context["placement"] = placement
        return render(request, "dispatch/receive.html", context, status=400)
    handling_unit = placement.cleaned_data["handling_unit"]
    handler = placement.cleaned_data["handler"]
    selected = {item.ticket_id for item in _selected(post)}
    batch_decision = post.get("decision", "")
    decisions: list[Decision] = []
    for raw in post.getlist("row"):
        pk = _int(raw)
        if pk is None:
            continue
        choice = post.get(f"decision-{pk}", "") or (batch_decision if pk in selected else "")
        if choice not in (Action.RECEIVE, Action.RETURN):
            continue
        own_reason = post.get(f"reason-{pk}")
        decisions.append(
            Decision(
                pk,
                _int(post.get(f"version-{pk}")),
                Action.RECEIVE if choice == Action.RECEIVE else Action.RETURN,
                reason=_reason(own_reason or post.get("reason")),
                notes=(post.get(f"notes-{pk}") or post.get("return_notes") or "").strip(),
                handling_unit=handling_unit,
                handler=handler,
            )
        )
    if not decisions:
        messages.error(request, _("Choose receive or return for at least one order."))
        return redirect("dispatch:receive")
    results = batch.receive_or_return_many(user, decisions, request=request)
    return _results(request, _("Receive and return"), results, "dispatch:receive")


# --- 维修中 --------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@require(Capability.UNIT_DESK)
def order_list_view(request: HttpRequest) -> HttpResponse:
    """The received orders (维修中, 延后维修): assign (§4.6.1), late return (§4.6.2) and
    feedback (§4.7), single or batch."""
    user = _operator(request)
    if request.method == "POST":
        return _order_batch(request, user)
    form = OrderFilterForm(user, request.GET or None, kinds=(Kind.FAULT,), states=IN_HANDS)
    orders = form.filter(_scope(request).filter(kind=Kind.FAULT, state__in=IN_HANDS))
    page = Paginator(orders.order_by("-priority", "received_at", "pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "dispatch/order_list.html",
        {
            "form": form,
            "page": page,
            "query": _page_query(request),
            "placement": PlacementForm(user),
            "return_form": ReturnForm(),
            "feedback_form": FeedbackForm(),
            "handlers": list(handlers_of(user)),
        },
    )


def _order_batch(request: HttpRequest, user: User) -> HttpResponse:
    post = request.POST
    back = "dispatch:orders"
    items = _selected(post)
    if not items:
        return _nothing_selected(request, back)
    op = post.get("op", "")
    if op == "assign":
        placement = PlacementForm(user, post)
        placement.is_valid()
        data = placement.cleaned_data
        handlers = {h.pk: h for h in handlers_of(user)}
        rows: list[Assignment] = []
        for item in items:
            own: Handler | None = handlers.get(_int(post.get(f"handler-{item.ticket_id}")) or 0)
            rows.append(
                Assignment(
                    item.ticket_id,
                    item.version,
                    handling_unit=data.get("handling_unit"),
                    handler=own or data.get("handler"),
                )
            )
        return _results(request, _("Assign"), batch.assign_each(user, rows, request=request), back)
    if op == "late_return":
        form = ReturnForm(post)
        form.is_valid()
        results = batch.return_many(
            user,
            items,
            reason=form.cleaned_data.get("reason"),
            notes=form.cleaned_data.get("return_notes", ""),
            request=request,
        )
        return _results(request, _("Late return"), results, back)
    if op == "feedback":
        feedback = FeedbackForm(post)
        if not feedback.is_valid():
            messages.error(request, _("Choose the kind of feedback."))
            return redirect(back)
        data = feedback.cleaned_data
        results = batch.feedback_many(
            user,
            items,
            kind=data["kind"],
            repaired=data["repaired"],
            result=data["result"],
            reason=data["feedback_reason"],
            request=request,
        )
        return _results(request, _("Feedback"), results, back)
    messages.error(request, _("Choose what to do with the selected orders."))
    return redirect(back)


# --- 投诉、建议、举报 -------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@require(Capability.UNIT_DESK)
def request_list_view(request: HttpRequest) -> HttpResponse:
    """Complaints, suggestions and reports sent down (§4.8): 处理中, 处理结束, 不处理 or
    return, single or batch."""
    user = _operator(request)
    back = "dispatch:requests"
    if request.method == "POST":
        items = _selected(request.POST)
        if not items:
            return _nothing_selected(request, back)
        op = request.POST.get("op", "")
        if op == "handle":
            handling = HandleForm(request.POST)
            if not handling.is_valid():
                messages.error(request, _("Choose how it was handled."))
                return redirect(back)
            results = batch.handle_many(
                user,
                items,
                outcome=handling.cleaned_data["outcome"],
                notes=handling.cleaned_data["notes"],
                request=request,
            )
            return _results(request, _("Handle"), results, back)
        if op == "return":
            returning = ReturnForm(request.POST)
            returning.is_valid()
            results = batch.return_many(
                user,
                items,
                reason=returning.cleaned_data.get("reason"),
                notes=returning.cleaned_data.get("return_notes", ""),
                request=request,
            )
            return _results(request, _("Return"), results, back)
        messages.error(request, _("Choose what to do with the selected orders."))
        return redirect(back)
    form = OrderFilterForm(user, request.GET or None, kinds=REQUEST_KINDS, states=REQUEST_STATES)
    scope = _scope(request).filter(kind__in=REQUEST_KINDS)
    if not request.GET.get("state"):
        scope = scope.filter(state__in=REQUEST_OPEN)
    page = Paginator(form.filter(scope).order_by("-priority", "sent_at", "pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "dispatch/request_list.html",
        {
            "form": form,
            "page": page,
            "query": _page_query(request),
            "handle_form": HandleForm(),
            "return_form": ReturnForm(),
        },
    )


# --- 查询、详情、打印 --------------------------------------------------------------------------


@require_safe
@require(Capability.UNIT_DESK)
def query_view(request: HttpRequest) -> HttpResponse:
    """Every order of the unit: simple query (applies at once) and advanced query (§4.6.3,
    §4.6.4)."""
    form = OrderFilterForm(_operator(request), request.GET or None)
    tickets = form.filter(_scope(request)).order_by("-created_at", "-pk")
    page = Paginator(tickets, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "dispatch/query.html",
        {"form": form, "page": page, "query": _page_query(request)},
    )


def _ticket(request: HttpRequest, pk: int) -> Ticket:
    ticket: Ticket = get_object_or_404(_scope(request).select_related("created_by"), pk=pk)
    return ticket


def _dispatched(ticket: Ticket) -> Any:
    """The latest sending down (派单, 重新派单, 重新维修) with who did it."""
    return (
        ticket.events.filter(action__in=[Action.DISPATCH, Action.RESEND, Action.SEND_BACK])
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )


@require_safe
@require(Capability.UNIT_DESK)
def detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The order (报障用户信息, 报障受理信息, 处理情况), callback, feedback, history (§4.5.3,
    §4.6.5) and the actions it allows now."""
    user = _operator(request)
    ticket = _ticket(request, pk)
    allowed = {str(action) for action in available_actions(ticket, user)}
    return render(
        request,
        "dispatch/detail.html",
        {
            "ticket": ticket,
            "dispatched": _dispatched(ticket),
            "events": ticket.events.select_related("actor", "unit", "handler"),
            "allowed": allowed,
            "placement": PlacementForm(user),
            "return_form": ReturnForm(),
            "feedback_form": FeedbackForm(),
            "handle_form": HandleForm(),
            "reasons": list(active_reasons()),
            "is_request": ticket.kind in REQUEST_KINDS,
        },
    )


@require_safe
@require(Capability.UNIT_DESK)
def print_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The work order for the repair crew (打印维修单, seed 001 §2 功能描述)."""
    ticket = _ticket(request, pk)
    return render(
        request,
        "dispatch/print.html",
        {"ticket": ticket, "dispatched": _dispatched(ticket)},
    )
