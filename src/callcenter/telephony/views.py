"""Switch administration pages: extensions (B13), trunks and inbound routes (A1)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from callcenter.accounts.models import User
from callcenter.accounts.roles import Capability, require
from callcenter.acd.models import Queue
from callcenter.ivr.models import Flow
from callcenter.telephony import actions
from callcenter.telephony.forms import ExtensionForm, InboundRouteForm, TrunkForm
from callcenter.telephony.models import Extension, InboundRoute, Trunk
from callcenter.telephony.services import SERVICES
from callcenter.web.errors import ActionError

EXTENSIONS_PER_PAGE = 50
TRUNKS_PER_PAGE = 50
ROUTES_PER_PAGE = 50


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _page_query(request: HttpRequest) -> str:
    """The list's query string without the page, for the pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- extensions -------------------------------------------------------------------------


@require(Capability.ADMINISTER)
def extension_list_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    extensions = Extension.objects.all()
    if query:
        extensions = extensions.filter(Q(number__contains=query) | Q(display_name__icontains=query))
    extensions = extensions.prefetch_related("registrations")
    page = Paginator(extensions, EXTENSIONS_PER_PAGE).get_page(request.GET.get("page"))
    template = (
        "telephony/extension_table.html"
        if request.GET.get("fragment")
        else "telephony/extension_list.html"
    )
    return render(request, template, {"page": page, "q": query})


@require(Capability.ADMINISTER)
def extension_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    extension = get_object_or_404(Extension, pk=pk) if pk is not None else Extension()
    form = ExtensionForm(request.POST or None, instance=extension)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_extension(_actor(request), form.instance, form.changed_data, request)
        except ActionError as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        else:
            messages.success(
                request, _("Extension %(number)s has been saved.") % {"number": extension.number}
            )
            return redirect("telephony:extension_list")
    return render(request, "telephony/extension_form.html", {"form": form, "extension": extension})


@require_POST
@require(Capability.ADMINISTER)
def extension_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    extension = get_object_or_404(Extension, pk=pk)
    try:
        actions.delete_extension(_actor(request), extension, request)
    except ActionError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("Extension %(number)s has been deleted.") % {"number": extension.number}
        )
    return redirect("telephony:extension_list")


# --- trunks -----------------------------------------------------------------------------


@require(Capability.ADMINISTER)
def trunk_list_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    trunks = Trunk.objects.annotate(route_count=Count("routes"))
    if query:
        trunks = trunks.filter(
            Q(name__icontains=query) | Q(host__icontains=query) | Q(description__icontains=query)
        )
    page = Paginator(trunks.order_by("name"), TRUNKS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "telephony/trunk_list.html",
        {"page": page, "q": query, "query": _page_query(request)},
    )


@require(Capability.ADMINISTER)
def trunk_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    trunk = get_object_or_404(Trunk, pk=pk) if pk is not None else Trunk()
    form = TrunkForm(request.POST or None, instance=trunk)
    if request.method == "POST" and form.is_valid():
        actions.save_trunk(_actor(request), form.instance, form.changed_data, request)
        messages.success(request, _("Trunk %(name)s has been saved.") % {"name": trunk.name})
        return redirect("telephony:trunk_list")
    return render(request, "telephony/trunk_form.html", {"form": form, "trunk": trunk})


@require(Capability.ADMINISTER)
def trunk_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes."""
    trunk = get_object_or_404(Trunk, pk=pk)
    if request.method == "POST":
        try:
            actions.delete_trunk(_actor(request), trunk, request)
        except ActionError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Trunk %(name)s has been deleted.") % {"name": trunk.name})
        return redirect("telephony:trunk_list")
    return render(
        request,
        "telephony/confirm_delete.html",
        {
            "title": _("Delete trunk %(name)s") % {"name": trunk.name},
            "question": _(
                "Delete trunk %(name)s? Calls can no longer go out or come in through it."
            )
            % {"name": trunk.name},
            "blockers": list(trunk.routes.values_list("did", flat=True)),
            "blockers_text": _("These inbound routes use it; delete or move them first:"),
            "cancel": "telephony:trunk_list",
        },
    )


# --- inbound routes ---------------------------------------------------------------------


@require(Capability.ADMINISTER)
def route_list_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    routes = InboundRoute.objects.select_related("trunk")
    if query:
        routes = routes.filter(
            Q(did__contains=query)
            | Q(destination__contains=query)
            | Q(description__icontains=query)
        )
    page = Paginator(routes, ROUTES_PER_PAGE).get_page(request.GET.get("page"))
    numbers = [route.destination for route in page]
    extensions = dict(
        Extension.objects.filter(number__in=numbers).values_list("number", "display_name")
    )
    services: dict[str, object] = {service.number: service.name for service in SERVICES}
    # Queues and IVR flows are known by their destination strings (queue:NAME, flow:NAME).
    services.update(
        (f"queue:{name}", label)
        for name, label in Queue.objects.values_list("name", "display_name")
    )
    services.update(
        (f"flow:{name}", title) for name, title in Flow.objects.values_list("name", "title")
    )
    # (route, what the destination is, whether it exists)
    rows = [
        (
            route,
            services.get(route.destination) or extensions.get(route.destination, ""),
            route.destination in services or route.destination in extensions,
        )
        for route in page
    ]
    return render(
        request,
        "telephony/route_list.html",
        {"page": page, "rows": rows, "q": query, "query": _page_query(request)},
    )


@require(Capability.ADMINISTER)
def route_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    route = get_object_or_404(InboundRoute, pk=pk) if pk is not None else InboundRoute()
    form = InboundRouteForm(request.POST or None, instance=route)
    if request.method == "POST" and form.is_valid():
        actions.save_route(_actor(request), form.instance, form.changed_data, request)
        messages.success(request, _("Inbound route %(did)s has been saved.") % {"did": route.did})
        return redirect("telephony:route_list")
    return render(request, "telephony/route_form.html", {"form": form, "route": route})


@require(Capability.ADMINISTER)
def route_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes."""
    route = get_object_or_404(InboundRoute.objects.select_related("trunk"), pk=pk)
    if request.method == "POST":
        actions.delete_route(_actor(request), route, request)
        messages.success(request, _("Inbound route %(did)s has been deleted.") % {"did": route.did})
        return redirect("telephony:route_list")
    return render(
        request,
        "telephony/confirm_delete.html",
        {
            "title": _("Delete inbound route %(did)s") % {"did": route.did},
            "question": _(
                "Delete the inbound route %(did)s → %(destination)s? Calls to %(did)s will be "
                "refused."
            )
            % {"did": route.did, "destination": route.destination},
            "cancel": "telephony:route_list",
        },
    )
