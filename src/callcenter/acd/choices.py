"""Fixed vocabularies of the acd app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Strategy(models.TextChoices):
    """How a queue picks the agent for a waiting caller: the names of
    `callcenter.engine.acd.strategies` (an unknown name cannot be saved)."""

    RING_ALL = "ring-all", _("Ring all agents at once")
    LONGEST_IDLE = "longest-idle", _("Longest idle agent")
    LEAST_RECENT = "least-recent", _("Least recently called agent")
    FEWEST_CALLS = "fewest-calls", _("Fewest calls answered")
    LEAST_TALK_TIME = "least-talk-time", _("Least talk time")
    ROUND_ROBIN = "round-robin", _("Round robin (remembers the last agent)")
    LINEAR = "linear", _("Linear (top-down by level and position)")
    RANDOM = "random", _("Random")
    WEIGHTED_RANDOM = "weighted-random", _("Weighted random")
    RING_PROGRESSIVELY = "ring-progressively", _("Ring progressively (one more agent each step)")


STRATEGIES: tuple[str, ...] = tuple(Strategy.values)
