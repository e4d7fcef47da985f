"""The agents' ticket pages (REQUIREMENTS B4, C7; seed 001 chapter 4 from the center's
side): query and export, create and modify, details with the actions of the state
table, attachments, and the orders units returned.

Views parse and call `tickets.actions`; a refusal (`ActionError`) is shown on the page.
Only the customer-service center (`Capability.AGENT_DESK`) opens these pages; an
attachment is also served to the unit the order is with.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from callcenter.accounts.models import User
from callcenter.accounts.roles import Capability, has_capability, require
from callcenter.boss.panel import ticket_panel
from callcenter.crm.models import Customer
from callcenter.tickets import actions, export
from callcenter.tickets.choices import Action, Kind, State
from callcenter.tickets.filters import TicketFilterForm
from callcenter.tickets.forms import (
    AttachForm,
    CallbackForm,
    DispatchForm,
    ReasonForm,
    ResendForm,
    TicketForm,
    VersionForm,
)
from callcenter.tickets.models import Attachment, Ticket, TicketEvent, TicketQuerySet
from callcenter.tickets.states import Input, available_actions, transition
from callcenter.web.errors import ActionError

TICKETS_PER_PAGE = 20

# The actions the detail page offers, each with its form (edit has a page of its own).
ACTION_FORMS: dict[Action, type[VersionForm]] = {
    Action.DISPATCH: DispatchForm,
    Action.RESEND: ResendForm,
    Action.CALLBACK: CallbackForm,
    Action.SEND_BACK: ReasonForm,
    Action.CLOSE: ReasonForm,
}


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _tickets(request: HttpRequest) -> TicketQuerySet:
    return Ticket.objects.visible_to(request.user).select_related(
        "unit", "handler", "category", "created_by", "return_reason"
    )


def _query(request: HttpRequest) -> tuple[TicketFilterForm, TicketQuerySet, str]:
    params = request.GET.copy()
    params.pop("page", None)
    form = TicketFilterForm(params or None)
    tickets = _tickets(request)
    if params:
        tickets = form.filter(tickets)
    return form, tickets.order_by("-created_at", "-pk"), params.urlencode()


# --- query and export ------------------------------------------------------------------


@require_safe
@require(Capability.AGENT_DESK)
def ticket_list_view(request: HttpRequest) -> HttpResponse:
    form, tickets, query = _query(request)
    page = Paginator(tickets, TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "tickets/ticket_list.html",
        {"form": form, "page": page, "query": query, "export_max": export.MAX_ROWS},
    )


@require_safe
@require(Capability.AGENT_DESK)
def ticket_export_view(request: HttpRequest) -> HttpResponse:
    _form, tickets, query = _query(request)
    count = tickets.count()
    if count > export.MAX_ROWS:
        messages.error(
            request,
            _(
                "The query finds %(count)d tickets; at most %(max)d can be exported at once. "
                "Narrow the query (for example by date) and export again."
            )
            % {"count": count, "max": export.MAX_ROWS},
        )
        url = reverse("tickets:list")
        return redirect(f"{url}?{query}" if query else url)
    response = HttpResponse(export.workbook(tickets.iterator()), content_type=export.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export.filename()}"'
    return response


# --- create and modify -----------------------------------------------------------------


def _kind_of(request: HttpRequest) -> str:
    kind = request.POST.get("kind") or request.GET.get("kind") or Kind.FAULT
    return kind if kind in Kind.values else Kind.FAULT


def _refuse(form: forms.BaseForm, error: ActionError, aliases: dict[str, str]) -> None:
    field = aliases.get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)


def _call_of(request: HttpRequest) -> str:
    """The call during which the ticket is made (``?call=``, from the screen pop)."""
    call_id = request.GET.get("call", "")
    return call_id if len(call_id) <= 100 and call_id.isprintable() else ""


@require(Capability.AGENT_DESK)
def ticket_create_view(request: HttpRequest) -> HttpResponse:
    kind = _kind_of(request)
    initial = {
        name: request.GET[name]
        for name in ("customer_name", "contact_phone", "caller_number", "vehicle_plate", "address")
        if request.GET.get(name)
    }
    # Made for a customer of the CRM (its page, the screen pop): linked to it.
    customer = Customer.objects.filter(number=request.GET.get("customer", "")).first()
    form = TicketForm(
        request.POST or None, request.FILES or None, kind=kind, initial=initial or None
    )
    if request.method == "POST" and form.is_valid():
        actor = _actor(request)
        unit = form.cleaned_data.get("dispatch_unit")
        try:
            with transaction.atomic():
                ticket = actions.create_ticket(
                    actor,
                    kind=kind,
                    request=request,
                    customer=customer,
                    call_id=_call_of(request),
                    **form.ticket_fields(),
                )
                for upload in form.cleaned_data.get("attachments") or []:
                    actions.add_attachment(actor, ticket, upload, request=request)
                if unit is not None:
                    ticket = actions.dispatch(
                        actor, ticket, version=ticket.version, unit=unit, request=request
                    )
        except ActionError as error:
            _refuse(form, error, {"unit": "dispatch_unit", "file": "attachments"})
        else:
            if unit is not None:
                text = _("Ticket %(number)s has been created and sent to %(unit)s.")
            else:
                text = _("Ticket %(number)s has been created.")
            messages.success(request, text % {"number": ticket.number, "unit": unit})
            return redirect("tickets:detail", ticket.pk)
    return render(
        request,
        "tickets/ticket_form.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": Kind(kind).label,
            "kinds": Kind.choices,
            "customer": customer,
        },
    )


@require(Capability.AGENT_DESK)
def ticket_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(_tickets(request), pk=pk)
    if Action.EDIT not in available_actions(ticket, request.user):
        messages.error(request, _("This ticket is closed and can no longer be modified."))
        return redirect("tickets:detail", ticket.pk)
    form = TicketForm(
        request.POST or None,
        instance=ticket,
        kind=ticket.kind,
        editing=True,
        initial={"version": ticket.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_ticket(
                _actor(request),
                ticket,
                version=form.cleaned_data["version"],
                request=request,
                **form.ticket_fields(),
            )
        except ActionError as error:
            _refuse(form, error, {})
        else:
            messages.success(
                request, _("Ticket %(number)s has been saved.") % {"number": ticket.number}
            )
            return redirect("tickets:detail", ticket.pk)
    return render(
        request,
        "tickets/ticket_form.html",
        {
            "form": form,
            "ticket": ticket,
            "kind": ticket.kind,
            "kind_label": ticket.get_kind_display(),
        },
    )


# --- details and actions ---------------------------------------------------------------


def _action_forms(
    ticket: Ticket, user: Any, bound: tuple[Action, VersionForm] | None
) -> list[dict[str, Any]]:
    shown = []
    for action in available_actions(ticket, user):
        form_class = ACTION_FORMS.get(action)
        if form_class is None:
            continue
        if bound is not None and bound[0] == action:
            form = bound[1]
        else:
            form = form_class(initial={"version": ticket.version}, prefix=action.value)
        row = transition(ticket.kind, action, ticket.state)
        shown.append(
            {
                "action": action,
                "label": action.label,
                "form": form,
                "reason_required": row is not None and Input.REASON in row.needs,
            }
        )
    return shown


def _render_detail(
    request: HttpRequest, ticket: Ticket, bound: tuple[Action, VersionForm] | None = None
) -> HttpResponse:
    user = request.user
    return render(
        request,
        "tickets/ticket_detail.html",
        {
            "ticket": ticket,
            "events": ticket.events.select_related("actor", "unit", "handler"),
            "attachments": ticket.attachments.select_related("uploaded_by"),
            "actions": _action_forms(ticket, user, bound),
            "can_edit": Action.EDIT in available_actions(ticket, user),
            "attach_form": AttachForm() if ticket.state != State.CLOSED else None,
            **ticket_panel(ticket, user, request.get_full_path()),
        },
    )


@require_safe
@require(Capability.AGENT_DESK)
def ticket_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, get_object_or_404(_tickets(request), pk=pk))


def _run(request: HttpRequest, action: Action, ticket: Ticket, data: dict[str, Any]) -> Ticket:
    actor, version = _actor(request), data["version"]
    if action is Action.DISPATCH:
        return actions.dispatch(actor, ticket, version=version, unit=data["unit"], request=request)
    if action is Action.RESEND:
        return actions.resend(
            actor, ticket, version=version, unit=data["unit"], notes=data["notes"], request=request
        )
    if action is Action.SEND_BACK:
        return actions.send_back_for_rerepair(
            actor, ticket, version=version, reason=data["reason"], request=request
        )
    if action is Action.CLOSE:
        return actions.close(actor, ticket, version=version, reason=data["reason"], request=request)
    raise AssertionError(action)


@require_POST
@require(Capability.AGENT_DESK)
def ticket_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action of the detail page, posted with the version the agent saw."""
    try:
        chosen = Action(action)
    except ValueError:
        raise Http404("no such action") from None
    form_class = ACTION_FORMS.get(chosen)
    if form_class is None:
        raise Http404("no such action")
    ticket = get_object_or_404(_tickets(request), pk=pk)
    form = form_class(request.POST, prefix=chosen.value)
    if not form.is_valid():
        messages.error(request, _("Check the entries of “%(action)s”.") % {"action": chosen.label})
        return _render_detail(request, ticket, (chosen, form))
    try:
        if isinstance(form, CallbackForm):
            ticket = actions.record_callback(
                _actor(request),
                ticket,
                version=form.cleaned_data["version"],
                request=request,
                **form.values(),
            )
        else:
            ticket = _run(request, chosen, ticket, form.cleaned_data)
    except ActionError as error:
        messages.error(request, error.message)
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        ticket.refresh_from_db()
        return _render_detail(request, ticket, (chosen, form))
    messages.success(
        request,
        _("Done: “%(action)s” on ticket %(number)s; it is now “%(state)s”.")
        % {"action": chosen.label, "number": ticket.number, "state": ticket.get_state_display()},
    )
    return redirect("tickets:detail", ticket.pk)


# --- attachments -----------------------------------------------------------------------


@require_POST
@require(Capability.AGENT_DESK)
def attachment_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(_tickets(request), pk=pk)
    form = AttachForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            attachment = actions.add_attachment(
                _actor(request), ticket, form.cleaned_data["file"], request=request
            )
        except ActionError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(name)s has been attached.") % {"name": attachment.original_name}
            )
    return redirect("tickets:detail", ticket.pk)


@require_safe
def attachment_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """An attachment, to the center and to the unit its order is with (others: 404)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if not (
        has_capability(request.user, Capability.AGENT_DESK)
        or has_capability(request.user, Capability.UNIT_DESK)
    ):
        raise PermissionDenied(_("Your role may not open this page."))
    attachment = get_object_or_404(
        Attachment.objects.filter(ticket__in=Ticket.objects.visible_to(request.user)), pk=pk
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("attachment file missing") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


# --- returned orders -------------------------------------------------------------------


@require_safe
@require(Capability.AGENT_DESK)
def returned_list_view(request: HttpRequest) -> HttpResponse:
    """Orders the units sent back (退回工单), with their reasons, to correct and resend."""
    returned_at = (
        TicketEvent.objects.filter(
            ticket=OuterRef("pk"), action__in=[Action.RETURN, Action.LATE_RETURN]
        )
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    returned_by = (
        TicketEvent.objects.filter(
            ticket=OuterRef("pk"), action__in=[Action.RETURN, Action.LATE_RETURN]
        )
        .order_by("-at", "-pk")
        .values("actor__name")[:1]
    )
    tickets = (
        _tickets(request)
        .filter(state=State.RETURNED)
        .annotate(returned_at=Subquery(returned_at), returned_by=Subquery(returned_by))
        .order_by("-returned_at", "-pk")
    )
    page = Paginator(tickets, TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tickets/returned_list.html", {"page": page, "query": ""})
