from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "callcenter.dispatch"
    label = "dispatch"
    verbose_name = _("Second-level acceptance desk")
