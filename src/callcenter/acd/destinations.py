"""Whether a destination string (`engine.calls.destinations`) leads somewhere that exists.

One rule for the queue's overflow and the inbound routes (the IVR's transfer nodes are
checked by `engine.ivr.check` with the same names):

- ``queue:NAME`` and ``flow:NAME`` name an existing queue or flow (a queue never
  overflows to itself);
- digits name an extension or a service number of the switch; where ``outside`` is
  allowed, also a hotline (an inbound route for any trunk) or "0" and an outside number;
- ``hangup`` only where ``hangup`` is allowed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from callcenter.engine.calls.destinations import Kind, parse_destination


def check_destination(
    text: str, *, outside: bool = True, hangup: bool = True, this_queue: str = ""
) -> None:
    """Raise a `ValidationError` that says what to enter when ``text`` leads nowhere."""
    from callcenter.acd.models import Queue
    from callcenter.ivr.models import Flow
    from callcenter.telephony.models import Extension, InboundRoute
    from callcenter.telephony.services import SERVICE_NUMBERS, service_numbers_text

    destination = parse_destination(text)
    if destination is None or (destination.kind is Kind.HANGUP and not hangup):
        raise ValidationError(
            _(
                "“%(text)s” is not a destination: enter an extension number, a service "
                "number, queue:NAME (e.g. queue:service) or flow:NAME (e.g. flow:demo)."
            ),
            code="bad_destination",
            params={"text": text},
        )
    if destination.kind is Kind.QUEUE:
        if destination.value == this_queue:
            raise ValidationError(
                _("A queue cannot overflow to itself: choose another queue or a number."),
                code="overflow_to_itself",
            )
        if not Queue.objects.filter(name=destination.value).exists():
            raise ValidationError(
                _("There is no queue named %(name)s: add it first, or check the spelling."),
                code="unknown_queue",
                params={"name": destination.value},
            )
    elif destination.kind is Kind.FLOW:
        if not Flow.objects.filter(name=destination.value).exists():
            raise ValidationError(
                _("There is no IVR flow named %(name)s: add it first, or check the spelling."),
                code="unknown_flow",
                params={"name": destination.value},
            )
    elif destination.kind is Kind.NUMBER:
        number = destination.value
        if number in SERVICE_NUMBERS or Extension.objects.filter(number=number).exists():
            return
        if outside and (
            (number.startswith("0") and len(number) > 1)
            or InboundRoute.objects.filter(did=number, trunk__isnull=True).exists()
        ):
            return
        raise ValidationError(
            _(
                "%(number)s is neither an extension nor a service number (%(services)s). "
                "Add the extension first, or choose another number."
            ),
            code="unknown_destination",
            params={"number": number, "services": service_numbers_text()},
        )


def destination_users(destination: str) -> list[str]:
    """What leads to ``destination`` (``queue:NAME`` or ``flow:NAME``): inbound routes,
    queues that overflow there, flows that transfer there; for refusing to delete or
    rename it."""
    from callcenter.acd.models import Queue
    from callcenter.ivr.models import Flow
    from callcenter.telephony.models import InboundRoute

    users = [
        str(_("inbound route %(did)s") % {"did": did})
        for did in InboundRoute.objects.filter(destination=destination).values_list(
            "did", flat=True
        )
    ]
    users += [
        str(_("queue %(name)s") % {"name": name})
        for name in Queue.objects.filter(overflow=destination).values_list("name", flat=True)
    ]
    for name, definition in Flow.objects.values_list("name", "definition"):
        nodes = definition.get("nodes", []) if isinstance(definition, dict) else []
        if any(
            isinstance(node, dict)
            and node.get("kind") == "transfer"
            and node.get("destination") == destination
            for node in nodes
        ):
            users.append(str(_("IVR flow %(name)s") % {"name": name}))
    return users
