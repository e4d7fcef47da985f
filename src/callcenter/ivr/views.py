"""IVR administration pages: voice prompts and flows (A3)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from callcenter.accounts.models import User
from callcenter.accounts.roles import Capability, require
from callcenter.acd.destinations import destination_users
from callcenter.acd.models import Queue
from callcenter.engine.ivr.flow import Flow as FlowData
from callcenter.engine.ivr.flow import FlowFormatError
from callcenter.ivr import actions
from callcenter.ivr.editor import editor_data
from callcenter.ivr.flows import KIND_LABELS, node_rows
from callcenter.ivr.forms import FlowForm, PromptForm
from callcenter.ivr.models import Flow, Prompt
from callcenter.ivr.prompts import prompt_names, shipped_prompts
from callcenter.web.errors import ActionError


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


# --- prompts ----------------------------------------------------------------------------


@require(Capability.ADMINISTER)
def prompt_list_view(request: HttpRequest) -> HttpResponse:
    prompts = list(Prompt.objects.all())
    uploaded = {prompt.name for prompt in prompts}
    shipped = [(name, name in uploaded) for name in shipped_prompts()]
    return render(request, "ivr/prompt_list.html", {"prompts": prompts, "shipped": shipped})


@require(Capability.ADMINISTER)
def prompt_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    prompt = get_object_or_404(Prompt, pk=pk) if pk is not None else Prompt()
    form = PromptForm(request.POST or None, request.FILES or None, instance=prompt)
    if request.method == "POST" and form.is_valid():
        actions.save_prompt(
            _actor(request), form.instance, form.changed_data, form.wav, form.duration, request
        )
        messages.success(request, _("Prompt %(name)s has been saved.") % {"name": prompt.name})
        return redirect("ivr:prompt_list")
    return render(request, "ivr/prompt_form.html", {"form": form, "prompt": prompt})


@require(Capability.ADMINISTER)
def prompt_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes."""
    prompt = get_object_or_404(Prompt, pk=pk)
    if request.method == "POST":
        try:
            actions.delete_prompt(_actor(request), prompt, request)
        except ActionError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request, _("Prompt %(name)s has been deleted.") % {"name": prompt.name}
            )
        return redirect("ivr:prompt_list")
    return render(
        request,
        "telephony/confirm_delete.html",
        {
            "title": _("Delete prompt %(name)s") % {"name": prompt.name},
            "question": _("Delete prompt %(name)s and its recording?") % {"name": prompt.name},
            "blockers": actions.prompt_users(prompt.name),
            "blockers_text": _("These use it; change them first:"),
            "cancel": "ivr:prompt_list",
        },
    )


@require(Capability.ADMINISTER)
def prompt_audio_view(request: HttpRequest, pk: int) -> FileResponse:
    prompt = get_object_or_404(Prompt, pk=pk)
    if not prompt.path.is_file():
        raise Http404(_("The recording of this prompt is missing."))
    return FileResponse(prompt.path.open("rb"), content_type="audio/wav")


@require(Capability.ADMINISTER)
def shipped_audio_view(request: HttpRequest, name: str) -> FileResponse:
    path = shipped_prompts().get(name)
    if path is None:
        raise Http404(_("There is no such prompt."))
    return FileResponse(path.open("rb"), content_type="audio/wav")


# --- flows ------------------------------------------------------------------------------


@require(Capability.ADMINISTER)
def flow_list_view(request: HttpRequest) -> HttpResponse:
    rows = []
    for flow in Flow.objects.all():
        try:
            count = len(FlowData.from_dict(flow.name, flow.definition).nodes)
        except FlowFormatError:
            count = None
        rows.append((flow, count, destination_users(flow.destination)))
    return render(request, "ivr/flow_list.html", {"rows": rows})


@require(Capability.ADMINISTER)
def flow_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    flow = get_object_or_404(Flow, pk=pk) if pk is not None else Flow()
    form = FlowForm(request.POST or None, instance=flow)
    checking = "check" in request.POST
    if request.method == "POST" and form.is_valid():
        if checking:
            messages.success(request, _("No problem found: the flow can be saved."))
        else:
            try:
                actions.save_flow(_actor(request), form.instance, form.changed_data, request)
            except ActionError as refusal:
                form.add_error(
                    refusal.field if refusal.field in form.fields else None, refusal.message
                )
            else:
                messages.success(request, _("Flow %(name)s has been saved.") % {"name": flow.name})
                return redirect("ivr:flow_list")
    reading = form.reading
    shown: FlowData | None
    if reading is not None and reading.flow is not None:
        shown, problem_nodes = reading.flow, reading.problem_nodes
    else:
        try:
            shown = FlowData.from_dict(flow.name, flow.definition) if flow.pk else None
        except FlowFormatError:
            shown = None
        problem_nodes = set()
    queue_names = list(Queue.objects.values_list("name", "display_name"))
    flow_names = list(Flow.objects.exclude(pk=flow.pk).values_list("name", "title"))
    names = sorted(prompt_names())
    return render(
        request,
        "ivr/flow_form.html",
        {
            "form": form,
            "flow": flow,
            "rows": node_rows(shown) if shown else [],
            "problem_nodes": problem_nodes,
            "kinds": KIND_LABELS,
            "prompt_names": names,
            "queue_names": queue_names,
            "flow_names": flow_names,
            "editor": editor_data(
                node_errors=reading.node_errors if reading is not None else {},
                prompts=names,
                queues=queue_names,
                flows=flow_names,
            ),
        },
    )


@require(Capability.ADMINISTER)
def flow_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes."""
    flow = get_object_or_404(Flow, pk=pk)
    if request.method == "POST":
        try:
            actions.delete_flow(_actor(request), flow, request)
        except ActionError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Flow %(name)s has been deleted.") % {"name": flow.name})
        return redirect("ivr:flow_list")
    return render(
        request,
        "telephony/confirm_delete.html",
        {
            "title": _("Delete flow %(name)s") % {"name": flow.name},
            "question": _("Delete the IVR flow %(name)s (%(title)s)?")
            % {"name": flow.name, "title": flow.title},
            "blockers": [
                user
                for user in destination_users(flow.destination)
                if user != _("IVR flow %(name)s") % {"name": flow.name}
            ],
            "blockers_text": _("These lead to it; change or delete them first:"),
            "cancel": "ivr:flow_list",
        },
    )
