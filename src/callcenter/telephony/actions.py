"""Changes to the switch's configuration, each in a transaction and audited."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from callcenter.accounts.actions import audit
from callcenter.accounts.models import User
from callcenter.telephony.models import Extension


def save_extension(
    actor: User, extension: Extension, changed: list[str], request: HttpRequest | None = None
) -> Extension:
    creating = extension.pk is None
    with transaction.atomic():
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
        extension.delete()
        audit(actor, "extension_deleted", f"extension {number}", request)
