from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcdConfig(AppConfig):
    name = "callcenter.acd"
    label = "acd"
    verbose_name = _("Queues and agents")
