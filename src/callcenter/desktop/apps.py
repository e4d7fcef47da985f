from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DesktopConfig(AppConfig):
    name = "callcenter.desktop"
    verbose_name = _("Agent desktop")
