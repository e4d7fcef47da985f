from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "callcenter.tickets"
    label = "tickets"
    verbose_name = _("Tickets and work orders")

    def ready(self) -> None:
        from callcenter.tickets import checks  # noqa: F401  (registers the system checks)
