"""Extension administration pages (REQUIREMENTS B13)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from callcenter.accounts.models import User
from callcenter.accounts.roles import Capability, require
from callcenter.telephony import actions
from callcenter.telephony.forms import ExtensionForm
from callcenter.telephony.models import Extension

EXTENSIONS_PER_PAGE = 50


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
        assert isinstance(request.user, User)
        actions.save_extension(request.user, form.instance, form.changed_data, request)
        messages.success(
            request, _("Extension %(number)s has been saved.") % {"number": extension.number}
        )
        return redirect("telephony:extension_list")
    return render(request, "telephony/extension_form.html", {"form": form, "extension": extension})


@require_POST
@require(Capability.ADMINISTER)
def extension_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    extension = get_object_or_404(Extension, pk=pk)
    assert isinstance(request.user, User)
    actions.delete_extension(request.user, extension, request)
    messages.success(
        request, _("Extension %(number)s has been deleted.") % {"number": extension.number}
    )
    return redirect("telephony:extension_list")
