"""The ACD's configuration as the web administers it (REQUIREMENTS A4, A5, A7).

- `Queue` (队列): callers wait here for an agent; the fields of
  `callcenter.engine.ports.QueueEntry`, and the supervisors (班长) who oversee it.
- `Tier`: an agent's place in a queue, with a level (lower levels are offered calls
  first) and a position within the level (for the linear strategy).
- `Skill` (技能) and `AgentSkill`: what an agent knows, with a proficiency 1–10; a queue
  may ask for a skill and relax the proficiency it asks for while a caller waits.
- `ReasonCode` (示忙原因): why an agent is not ready. ``no_answer`` (未接听) is built in:
  the switch sets it when an agent misses calls, so it can be neither deleted nor
  switched off.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from callcenter.accounts.choices import Role
from callcenter.acd.choices import Strategy

NO_ANSWER = "no_answer"
AGENT_ROLES = (Role.AGENT, Role.SUPERVISOR)
SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)
# "queue:" + name fits an inbound route's destination (32 characters).
QUEUE_NAME_MAX = 26

name_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]*$",
    _(
        "Use lower-case letters, digits, - and _ only, starting with a letter or digit "
        "(e.g. service)."
    ),
)
reason_code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_]*$",
    _("Use lower-case letters, digits and _ only (e.g. meal)."),
)


def _range(low: int, high: int) -> list[MinValueValidator | MaxValueValidator]:
    message = format_lazy(_("Enter a number from {low} to {high}."), low=low, high=high)
    return [MinValueValidator(low, message), MaxValueValidator(high, message)]


def parse_relax(text: str) -> tuple[tuple[int, int], ...]:
    """``"30:3,60:0"`` → ``((30, 3), (60, 0))``: after 30 s waiting, proficiency 3 will
    do; after 60 s, any agent of the queue. Raises `ValidationError` saying what to fix."""
    steps: list[tuple[int, int]] = []
    for part in (p.strip() for p in text.replace("，", ",").split(",")):
        if not part:
            continue
        seconds, sep, level = part.replace("：", ":").partition(":")
        if not sep or not seconds.strip().isdigit() or not level.strip().isdigit():
            raise ValidationError(
                _(
                    "“%(part)s” is not a step: write seconds:proficiency, steps separated "
                    "by commas, e.g. 30:3,60:0."
                ),
                code="bad_relax",
                params={"part": part},
            )
        step = (int(seconds), int(level))
        if step[0] <= 0 or step[1] > 10:
            raise ValidationError(
                _(
                    "In “%(part)s” the seconds must be more than 0 and the proficiency from "
                    "0 to 10."
                ),
                code="bad_relax",
                params={"part": part},
            )
        if steps and (step[0] <= steps[-1][0] or step[1] >= steps[-1][1]):
            raise ValidationError(
                _(
                    "Steps must wait longer and ask for less each time: “%(part)s” does not "
                    "after “%(previous)s”."
                ),
                code="bad_relax",
                params={"part": part, "previous": f"{steps[-1][0]}:{steps[-1][1]}"},
            )
        steps.append(step)
    return tuple(steps)


def validate_relax(text: str) -> None:
    parse_relax(text)


class Skill(models.Model):
    name = models.CharField(
        _("name"),
        max_length=50,
        unique=True,
        help_text=_("What callers need, e.g. 充电桩故障 or English."),
        error_messages={"unique": _("A skill with this name already exists.")},
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentSkill(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="skills",
        limit_choices_to={"role__in": AGENT_ROLES},
    )
    skill = models.ForeignKey(
        Skill, verbose_name=_("skill"), on_delete=models.CASCADE, related_name="agents"
    )
    proficiency = models.PositiveSmallIntegerField(
        _("proficiency"),
        default=5,
        validators=_range(1, 10),
        help_text=_("1 (beginner) to 10 (expert)."),
    )

    class Meta:
        verbose_name = _("agent skill")
        verbose_name_plural = _("agent skills")
        ordering = ["user__agent_id", "skill__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "skill"],
                name="agent_skill_unique",
                violation_error_message=_(
                    "This agent already has this skill: modify its proficiency instead."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.agent_id} {self.skill.name} {self.proficiency}"


class Queue(models.Model):
    """An ACD queue, with the fields of `callcenter.engine.ports.QueueEntry`."""

    name = models.CharField(
        _("name"),
        max_length=QUEUE_NAME_MAX,
        unique=True,
        validators=[name_validator],
        help_text=_("Routes and IVR flows name the queue by it: queue:NAME, e.g. queue:service."),
        error_messages={"unique": _("A queue with this name already exists.")},
    )
    display_name = models.CharField(_("display name"), max_length=50)
    strategy = models.CharField(
        _("strategy"), max_length=30, choices=Strategy.choices, default=Strategy.LONGEST_IDLE
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=0,
        validators=_range(0, 100),
        help_text=_("An agent in several queues serves the heaviest queue first."),
    )
    skill = models.ForeignKey(
        Skill,
        verbose_name=_("skill"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="queues",
        help_text=_("Empty: any agent of the queue may take its calls."),
    )
    min_proficiency = models.PositiveSmallIntegerField(
        _("minimum proficiency"), default=1, validators=_range(1, 10)
    )
    relax = models.CharField(
        _("relaxing the skill"),
        max_length=100,
        blank=True,
        validators=[validate_relax],
        help_text=_(
            "seconds:proficiency steps, e.g. 30:3,60:0: after 30 s of waiting an agent of "
            "proficiency 3 may answer, after 60 s any agent of the queue."
        ),
    )
    ring_timeout = models.PositiveSmallIntegerField(
        _("ring time (seconds)"),
        default=15,
        validators=_range(5, 300),
        help_text=_("How long an agent's phone rings before the next agent is tried."),
    )
    wrap_up = models.PositiveSmallIntegerField(
        _("wrap-up (seconds)"),
        default=10,
        validators=_range(0, 3600),
        help_text=_("After-call work time before the agent gets the next call."),
    )
    max_wait = models.PositiveIntegerField(
        _("maximum wait (seconds)"),
        default=0,
        validators=_range(0, 86400),
        help_text=_("0: no limit; else the caller goes to the overflow destination."),
    )
    overflow = models.CharField(
        _("overflow destination"),
        max_length=40,
        blank=True,
        help_text=_(
            "Where callers go after the maximum wait: an extension, queue:NAME, flow:NAME, "
            "or hangup. Empty: they are told and released."
        ),
    )
    join_empty = models.BooleanField(
        _("join when no agent is logged in"),
        default=True,
        help_text=_("Off: callers go to the overflow destination while nobody is logged in."),
    )
    leave_empty = models.BooleanField(
        _("leave when the last agent logs out"),
        default=False,
        help_text=_("Waiting callers go to the overflow destination."),
    )
    announce_interval = models.PositiveSmallIntegerField(
        _("announcement interval (seconds)"),
        default=60,
        validators=_range(0, 3600),
        help_text=_("Tell waiting callers their position and expected wait; 0: never."),
    )
    announce_position = models.BooleanField(_("announce the position"), default=True)
    music = models.CharField(
        _("music on hold"),
        max_length=50,
        blank=True,
        help_text=_("A prompt name to loop while callers wait. Empty: the built-in music."),
    )
    no_answer_delay = models.PositiveSmallIntegerField(
        _("pause after no answer (seconds)"),
        default=10,
        validators=_range(0, 3600),
        help_text=_("An agent who did not answer is skipped this long."),
    )
    max_no_answer = models.PositiveSmallIntegerField(
        _("misses before not ready"),
        default=3,
        validators=_range(0, 100),
        help_text=_("Calls missed in a row before the agent is set not ready (未接听); 0: never."),
    )
    busy_delay = models.PositiveSmallIntegerField(
        _("pause after busy (seconds)"), default=10, validators=_range(0, 3600)
    )
    reject_delay = models.PositiveSmallIntegerField(
        _("pause after decline (seconds)"), default=10, validators=_range(0, 3600)
    )
    progressive_step = models.PositiveSmallIntegerField(
        _("ring-progressively step (seconds)"),
        default=5,
        validators=_range(1, 300),
        help_text=_("Ring progressively: one more agent rings every this many seconds."),
    )
    service_level = models.PositiveSmallIntegerField(
        _("service level (seconds)"),
        default=20,
        validators=_range(1, 3600),
        help_text=_("The target answer time, for reports."),
    )
    supervisors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisors"),
        blank=True,
        related_name="supervised_queues",
        limit_choices_to={"role__in": SUPERVISOR_ROLES},
        help_text=_("Who may listen to, whisper to, barge in on and force this queue's agents."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.display_name}".strip()

    @property
    def destination(self) -> str:
        return f"queue:{self.name}"

    def clean(self) -> None:
        from callcenter.acd.destinations import check_destination
        from callcenter.ivr.prompts import prompt_names

        errors: dict[str, ValidationError] = {}
        self.overflow = self.overflow.strip()
        self.music = self.music.strip()
        if self.overflow:
            try:
                check_destination(self.overflow, this_queue=self.name)
            except ValidationError as error:
                errors["overflow"] = error
        if self.music and self.music not in prompt_names():
            errors["music"] = ValidationError(
                _("There is no prompt named %(name)s: upload it on the prompts page first."),
                code="unknown_prompt",
                params={"name": self.music},
            )
        if errors:
            raise ValidationError(errors)


class Tier(models.Model):
    """An agent in a queue (app_queue's member, mod_callcenter's tier)."""

    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="tiers"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="tiers",
        limit_choices_to={"role__in": AGENT_ROLES, "is_active": True},
    )
    level = models.PositiveSmallIntegerField(
        _("level"),
        default=1,
        validators=_range(1, 9),
        help_text=_("Agents of a lower level are offered calls first."),
    )
    position = models.PositiveSmallIntegerField(
        _("position"),
        default=1,
        validators=_range(1, 999),
        help_text=_("The order within a level (linear strategy)."),
    )

    class Meta:
        verbose_name = _("queue agent")
        verbose_name_plural = _("queue agents")
        ordering = ["queue__name", "level", "position", "agent__agent_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "agent"],
                name="tier_unique_agent_in_queue",
                violation_error_message=_(
                    "This agent is already in this queue: change their level or position instead."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.queue.name} {self.agent.agent_id} {self.level}/{self.position}"


class ReasonCode(models.Model):
    """A not-ready reason (示忙原因) an agent chooses from."""

    code = models.CharField(
        _("code"),
        max_length=30,
        unique=True,
        validators=[reason_code_validator],
        help_text=_("Stored with each not-ready period and shown in reports, e.g. meal."),
        error_messages={"unique": _("A reason with this code already exists.")},
    )
    label = models.CharField(_("label"), max_length=50, help_text=_("What agents see, e.g. 就餐."))
    active = models.BooleanField(
        _("in use"), default=True, help_text=_("Off: agents can no longer choose it.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("not-ready reason")
        verbose_name_plural = _("not-ready reasons")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def builtin(self) -> bool:
        return self.code == NO_ANSWER
