from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BossConfig(AppConfig):
    name = "callcenter.boss"
    label = "boss"
    verbose_name = _("BOSS interface")
