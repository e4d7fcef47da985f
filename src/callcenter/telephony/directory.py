"""The switch's `Directory` port, read from this app's models.

`extensions()` reads every extension in a worker thread (the switch's loop never waits on
the database); `on_change` is called from Django's signals whenever an extension is
saved or deleted, in whatever thread did it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from asgiref.sync import sync_to_async
from django.db.models.signals import post_delete, post_save

from callcenter.engine.ports import ExtensionEntry
from callcenter.telephony.models import Extension


def _read_extensions() -> dict[str, ExtensionEntry]:
    return {
        number: ExtensionEntry(number=number, sip_password=password, display_name=name)
        for number, password, name in Extension.objects.values_list(
            "number", "sip_password", "display_name"
        )
    }


class DjangoDirectory:
    def __init__(self) -> None:
        self._callbacks: list[Callable[[], None]] = []
        post_save.connect(self._changed, sender=Extension, weak=False)
        post_delete.connect(self._changed, sender=Extension, weak=False)

    async def extensions(self) -> Mapping[str, ExtensionEntry]:
        return await sync_to_async(_read_extensions, thread_sensitive=False)()

    def on_change(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def _changed(self, **_kwargs: object) -> None:
        for callback in self._callbacks:
            callback()

    def close(self) -> None:
        post_save.disconnect(self._changed, sender=Extension)
        post_delete.disconnect(self._changed, sender=Extension)
