"""Call records and recordings (REQUIREMENTS A8, B10): query, details, playback.

Who sees which calls is `CallRecord.objects.visible_to(user)`: a call one may not see
is answered 404, as if it did not exist.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from callcenter.accounts.actions import audit
from callcenter.accounts.models import User
from callcenter.accounts.roles import Capability, require
from callcenter.recordings.filters import CallFilterForm
from callcenter.recordings.models import CallRecord, CallRecordQuerySet
from callcenter.web.ranges import ranged_file_response

CALLS_PER_PAGE = 20
LIVE_CALLS_SHOWN = 100


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
    return render(
        request,
        "recordings/call_detail.html",
        {
            "call": call,
            "legs": call.legs.all(),
            "recording": recording,
            "recording_missing": recording is not None and recording.file() is None,
        },
    )


@require_safe
@require(Capability.CALL_RECORDS)
def recording_file_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The call's WAV, whole or by range (the player seeks); ``?download=1`` saves it."""
    call = get_object_or_404(_calls(request).select_related("recording"), pk=pk)
    recording = getattr(call, "recording", None)
    path = recording.file() if recording is not None else None
    if path is None:
        raise Http404("no recording file")
    download = "download" in request.GET
    if download:
        assert isinstance(request.user, User)
        audit(request.user, "recording_downloaded", f"call {call.call_id}", request)
    return ranged_file_response(
        request, path, "audio/wav", filename=path.name, as_attachment=download
    )
