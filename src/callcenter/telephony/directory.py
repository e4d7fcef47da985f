"""The switch's `Directory` port, read from this app's models.

`extensions()`, `trunks()` and `routes()` read in a worker thread (the switch's loop
never waits on the database). `on_change` callbacks run whenever an extension, trunk,
inbound route or login (`accounts.LoginRecord`, which decides who may dial out) is saved
or deleted, after the transaction that did it commits, in whatever thread did it: the
switch then reads a configuration that includes the change.

Outbound rule (REQUIREMENTS A1): an extension may dial out ("0" prefix) only when it is
permitted to (`Extension.dial_out_permitted`) and someone is logged in at it now (a
`LoginRecord` with that extension that has not ended).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from asgiref.sync import sync_to_async
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from callcenter.accounts.models import LoginRecord
from callcenter.engine import ports
from callcenter.engine.ivr.flow import Flow
from callcenter.engine.ports import ExtensionEntry, TrunkEntry
from callcenter.telephony.models import Extension, InboundRoute, Trunk

WATCHED: tuple[type[Any], ...] = (Extension, Trunk, InboundRoute, LoginRecord)


def logged_in_extensions() -> set[str]:
    """Extensions someone is logged in at now."""
    return set(
        LoginRecord.objects.filter(logged_out_at__isnull=True)
        .exclude(extension="")
        .values_list("extension", flat=True)
    )


def _read_extensions() -> dict[str, ExtensionEntry]:
    staffed = logged_in_extensions()
    return {
        number: ExtensionEntry(
            number=number,
            sip_password=password,
            display_name=name,
            outbound_allowed=permitted and number in staffed,
            fax=fax,
        )
        for number, password, name, permitted, fax in Extension.objects.values_list(
            "number", "sip_password", "display_name", "dial_out_permitted", "fax"
        )
    }


def _read_trunks() -> dict[str, TrunkEntry]:
    return {
        trunk.name: TrunkEntry(
            name=trunk.name,
            host=trunk.host,
            port=trunk.port,
            transport=trunk.transport,
            username=trunk.username,
            password=trunk.password,
            register=trunk.register,
            register_expires=trunk.register_expires,
            caller_id=trunk.caller_id,
            enabled=trunk.enabled,
        )
        for trunk in Trunk.objects.all()
    }


def _read_routes() -> tuple[ports.InboundRoute, ...]:
    return tuple(
        ports.InboundRoute(did=did, destination=destination, trunk=trunk or "")
        for did, destination, trunk in InboundRoute.objects.values_list(
            "did", "destination", "trunk__name"
        )
    )


class DjangoDirectory:
    def __init__(self) -> None:
        self._callbacks: list[Callable[[], None]] = []
        for model in WATCHED:
            post_save.connect(self._changed, sender=model, weak=False)
            post_delete.connect(self._changed, sender=model, weak=False)

    async def extensions(self) -> Mapping[str, ExtensionEntry]:
        return await sync_to_async(_read_extensions, thread_sensitive=False)()

    async def trunks(self) -> Mapping[str, TrunkEntry]:
        return await sync_to_async(_read_trunks, thread_sensitive=False)()

    async def routes(self) -> tuple[ports.InboundRoute, ...]:
        return await sync_to_async(_read_routes, thread_sensitive=False)()

    # The contact-center configuration is administered in the acd and ivr apps; until
    # they exist the switch runs without queues, agents or flows.
    async def queues(self) -> Mapping[str, ports.QueueEntry]:
        return {}

    async def agents(self) -> Mapping[str, ports.AgentEntry]:
        return {}

    async def flows(self) -> Mapping[str, Flow]:
        return {}

    async def reasons(self) -> tuple[ports.ReasonEntry, ...]:
        return ()

    async def presences(self) -> tuple[ports.AgentPresence, ...]:
        return ()

    async def check_agent(self, agent_id: str, password: str) -> bool:
        return False

    def on_change(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def _changed(self, sender: type[Any], instance: Any, **_kwargs: object) -> None:
        if sender is LoginRecord and not instance.extension:
            return  # a login without an extension changes nobody's right to dial out
        # After commit: a callback that reads at once must see the change.
        transaction.on_commit(self._notify)

    def _notify(self) -> None:
        for callback in self._callbacks:
            callback()

    def close(self) -> None:
        for model in WATCHED:
            post_save.disconnect(self._changed, sender=model)
            post_delete.disconnect(self._changed, sender=model)
