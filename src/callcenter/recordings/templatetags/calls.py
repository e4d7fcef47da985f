"""Template filters of the call pages."""

from __future__ import annotations

from django import template

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
