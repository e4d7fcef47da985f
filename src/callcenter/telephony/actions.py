"""Changes to the switch's configuration, each in a transaction and audited.

Rules:
1. An extension that an inbound route leads to can be neither deleted nor renumbered
   while the route exists (the route would lead nowhere).
2. A trunk that inbound routes name cannot be deleted while they exist.
3. Everything else is the models' validation (`full_clean`), which says what to fix.
The switch learns of every change through `DjangoDirectory.on_change`, after commit.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from callcenter.accounts.actions import audit
from callcenter.accounts.models import User
from callcenter.telephony.models import Extension, InboundRoute, Trunk
from callcenter.web.errors import ActionError


def _routes_to(number: str) -> list[str]:
    return list(InboundRoute.objects.filter(destination=number).values_list("did", flat=True))


def save_extension(
    actor: User, extension: Extension, changed: list[str], request: HttpRequest | None = None
) -> Extension:
    creating = extension.pk is None
    with transaction.atomic():
        if not creating and "number" in changed:
            old_number = Extension.objects.values_list("number", flat=True).get(pk=extension.pk)
            dids = _routes_to(old_number)
            if dids:
                raise ActionError(
                    "extension_routed",
                    _(
                        "Inbound routes (%(dids)s) lead to extension %(number)s: change them "
                        "before changing its number."
                    )
                    % {"dids": ", ".join(dids), "number": old_number},
                    field="number",
                )
        extension.full_clean()
        extension.save()
        audit(
            actor,
            "extension_created" if creating else "extension_updated",
            f"extension {extension.number}",
            request,
            fields=sorted(changed),
        )
    return extension


def delete_extension(actor: User, extension: Extension, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        number = extension.number
        dids = _routes_to(number)
        if dids:
            raise ActionError(
                "extension_routed",
                _(
                    "Inbound routes (%(dids)s) lead to extension %(number)s: change or delete "
                    "them first."
                )
                % {"dids": ", ".join(dids), "number": number},
            )
        extension.delete()
        audit(actor, "extension_deleted", f"extension {number}", request)


def save_trunk(
    actor: User, trunk: Trunk, changed: list[str], request: HttpRequest | None = None
) -> Trunk:
    creating = trunk.pk is None
    with transaction.atomic():
        trunk.full_clean()
        trunk.save()
        # Field names only: the password never goes into the audit log.
        audit(
            actor,
            "trunk_created" if creating else "trunk_updated",
            f"trunk {trunk.name}",
            request,
            fields=sorted(changed),
        )
    return trunk


def delete_trunk(actor: User, trunk: Trunk, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        dids = list(trunk.routes.values_list("did", flat=True))
        if dids:
            raise ActionError(
                "trunk_routed",
                _(
                    "Inbound routes (%(dids)s) are on trunk %(name)s: delete them or move them "
                    "to another trunk first."
                )
                % {"dids": ", ".join(dids), "name": trunk.name},
            )
        name = trunk.name
        trunk.delete()
        audit(actor, "trunk_deleted", f"trunk {name}", request)


def save_route(
    actor: User, route: InboundRoute, changed: list[str], request: HttpRequest | None = None
) -> InboundRoute:
    creating = route.pk is None
    with transaction.atomic():
        route.full_clean()
        route.save()
        audit(
            actor,
            "route_created" if creating else "route_updated",
            f"route {route}",
            request,
            trunk=route.trunk.name if route.trunk else "",
            fields=sorted(changed),
        )
    return route


def delete_route(actor: User, route: InboundRoute, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        described = str(route)
        trunk = route.trunk.name if route.trunk else ""
        route.delete()
        audit(actor, "route_deleted", f"route {described}", request, trunk=trunk)
