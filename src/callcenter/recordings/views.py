"""Call records and recordings (REQUIREMENTS A8, B10): query, details, playback; the
agents' status history (A7).

Who sees which calls is `CallRecord.objects.visible_to(user)`: a call one may not see
is answered 404, as if it did not exist. The status history shows supervisors and
administrators every agent, anyone else only themselves.

Every playback and every download of a recording is audited (`accounts.AuditEntry`,
target ``call <call ID>``): a download as ``recording_downloaded``; a request for the
file that starts playing it, ``recording_played``. The player starts with the whole file
or a range from byte 0; its later seeks ask for ranges further on and are not entered
again (`starts_playback`). Supervisors and administrators see these entries on the call's
page.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from callcenter.accounts.actions import audit
from callcenter.accounts.models import AuditEntry, User
from callcenter.accounts.roles import Capability, has_capability, require
from callcenter.recordings.filters import AgentStatusFilterForm, CallFilterForm
from callcenter.recordings.models import AgentStatusRecord, CallRecord, CallRecordQuerySet
from callcenter.web.ranges import ranged_file_response

log = logging.getLogger(__name__)

CALLS_PER_PAGE = 20
STATUS_RECORDS_PER_PAGE = 50
LIVE_CALLS_SHOWN = 100
AUDIT_SHOWN = 50
PLAYED = "recording_played"
DOWNLOADED = "recording_downloaded"


def _calls(request: HttpRequest) -> CallRecordQuerySet:
    return CallRecord.objects.visible_to(request.user)


def _live(request: HttpRequest) -> CallRecordQuerySet:
    return _calls(request).filter(ended_at__isnull=True).order_by("started_at")


@require_safe
@require(Capability.CALL_RECORDS)
def call_list_view(request: HttpRequest) -> HttpResponse:
    if request.GET.get("fragment") == "live":
        return render(
            request, "recordings/live_calls.html", {"live": _live(request)[:LIVE_CALLS_SHOWN]}
        )
    params = request.GET.copy()
    params.pop("page", None)
    form = CallFilterForm(params or None)
    calls = _calls(request).select_related("recording")
    if params:
        calls = form.filter(calls)
    page = Paginator(calls.order_by("-started_at", "-pk"), CALLS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "recordings/call_list.html",
        {
            "form": form,
            "page": page,
            "query": params.urlencode(),
            "live": _live(request)[:LIVE_CALLS_SHOWN],
        },
    )


@require_safe
@require(Capability.CALL_RECORDS)
def call_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(_calls(request).select_related("recording"), pk=pk)
    recording = getattr(call, "recording", None)
    supervisor = has_capability(request.user, Capability.SUPERVISE)
    return render(
        request,
        "recordings/call_detail.html",
        {
            "call": call,
            "legs": call.legs.all(),
            "recording": recording,
            "recording_missing": recording is not None and recording.file() is None,
            "ivr_steps": call.ivr_steps.all(),
            "queue_calls": call.queue_calls.prefetch_related("offers"),
            "loose_offers": call.offers.filter(queue_call__isnull=True),
            "transfers": call.transfers.all(),
            "supervisor_actions": (call.supervisor_actions.all() if supervisor else None),
            "recording_audit": (
                AuditEntry.objects.filter(action__in=(PLAYED, DOWNLOADED), target=_target(call))
                .select_related("actor")
                .order_by("-at", "-pk")[:AUDIT_SHOWN]
                if supervisor and recording is not None
                else None
            ),
        },
    )


def _target(call: CallRecord) -> str:
    return f"call {call.call_id}"


def reason_labels() -> dict[str, str]:
    """Not-ready reason codes and their labels, from the queues' administration (the
    `acd` app's ``ReasonCode``) when it is installed; else none, and the pages show the
    codes. Looked up by name: this app does not depend on that one."""
    if not apps.is_installed("callcenter.acd"):
        return {}
    try:
        model = apps.get_model("acd", "ReasonCode")
        return {str(code): str(label) for code, label in model.objects.values_list("code", "label")}
    except (LookupError, DatabaseError):  # renamed, or its table not migrated yet
        log.warning("the reason codes could not be read", exc_info=True)
        return {}


@require_safe
@require(Capability.CALL_RECORDS)
def agent_status_view(request: HttpRequest) -> HttpResponse:
    """The status history (ready, not ready with its reason, logged out), newest first."""
    every_agent = has_capability(request.user, Capability.SUPERVISE)
    params = request.GET.copy()
    params.pop("page", None)
    form = AgentStatusFilterForm(params or None, every_agent=every_agent)
    records = AgentStatusRecord.objects.all()
    if not every_agent:
        assert isinstance(request.user, User)
        records = records.filter(agent=request.user.agent_id)
    if params:
        records = form.filter(records)
    page = Paginator(records.order_by("-at", "-pk"), STATUS_RECORDS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    labels = reason_labels()
    for record in page:
        record.reason_label = labels.get(record.reason, record.reason)  # type: ignore[attr-defined]
    return render(
        request,
        "recordings/agent_status.html",
        {"form": form, "page": page, "query": params.urlencode(), "every_agent": every_agent},
    )


def starts_playback(response: HttpResponseBase) -> bool:
    """Whether this answer to the player starts playing: the whole file (200), or a
    part from byte 0 (206 ``Content-Range: bytes 0-…``). Seeks, 304 and 416 do not."""
    if response.status_code == 200:
        return True
    return response.status_code == 206 and response.get("Content-Range", "").startswith("bytes 0-")


@require_safe
@require(Capability.CALL_RECORDS)
def recording_file_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The call's WAV, whole or by range (the player seeks); ``?download=1`` saves it.
    Audited as the module docstring says (a HEAD request plays nothing)."""
    call = get_object_or_404(_calls(request).select_related("recording"), pk=pk)
    recording = getattr(call, "recording", None)
    path = recording.file() if recording is not None else None
    if path is None:
        raise Http404("no recording file")
    download = "download" in request.GET
    response = ranged_file_response(
        request, path, "audio/wav", filename=path.name, as_attachment=download
    )
    assert isinstance(request.user, User)
    if download:
        audit(request.user, DOWNLOADED, _target(call), request)
    elif request.method == "GET" and starts_playback(response):
        audit(request.user, PLAYED, _target(call), request, range=request.headers.get("Range", ""))
    return response
