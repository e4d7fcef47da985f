"""Template filters and tags of the call pages (and of pages that link to a call)."""

from __future__ import annotations

from django import template

from callcenter.recordings.models import CallRecord

register = template.Library()


@register.filter
def duration(seconds: float | str | None) -> str:
    """Seconds as ``m:ss`` (``h:mm:ss`` from an hour on); ``—`` when unknown."""
    if seconds is None or seconds == "":
        return "—"
    total = max(0, round(float(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


@register.simple_tag(takes_context=True)
def visible_call(context: template.Context, call_id: str) -> CallRecord | None:
    """The call record with the switch's ``call_id`` when the page's user may see it
    (`CallRecordQuerySet.visible_to`), else None: ``{% visible_call id as call %}``."""
    request = context.get("request")
    if not call_id or request is None:
        return None
    calls = CallRecord.objects.visible_to(request.user).select_related("recording")
    return calls.filter(call_id=call_id).first()
