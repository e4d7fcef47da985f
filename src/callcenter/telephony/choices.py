"""Fixed vocabularies of the telephony app."""

from django.db import models


class Transport(models.TextChoices):
    """How the switch talks SIP to a trunk (protocol names: not translated)."""

    UDP = "udp", "UDP"
    TCP = "tcp", "TCP"
