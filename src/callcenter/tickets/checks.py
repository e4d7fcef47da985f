"""System checks of the tickets app: its settings fail fast at start-up, with the fix."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from callcenter.tickets.files import SNIFFERS


@register()
def check_attachment_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    types = [str(name).lower().lstrip(".") for name in settings.TICKET_ATTACHMENT_TYPES]
    unknown = sorted(set(types) - set(SNIFFERS))
    if unknown:
        errors.append(
            Error(
                f"TICKET_ATTACHMENT_TYPES names types whose content cannot be checked: "
                f"{', '.join(unknown)}.",
                hint=f"Use only these: {', '.join(sorted(SNIFFERS))}.",
                id="tickets.E001",
            )
        )
    limit = settings.TICKET_ATTACHMENT_MAX_BYTES
    if not isinstance(limit, int) or limit <= 0:
        errors.append(
            Error(
                f"TICKET_ATTACHMENT_MAX_BYTES is {limit!r}.",
                hint="Set it to the largest attachment accepted, in bytes (e.g. 10485760).",
                id="tickets.E002",
            )
        )
    return errors
