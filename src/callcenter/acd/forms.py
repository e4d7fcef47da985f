"""Forms of the ACD administration pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from callcenter.accounts.models import User
from callcenter.acd.models import AGENT_ROLES, AgentSkill, Queue, ReasonCode, Skill, Tier


class AgentChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.agent_id} {obj.name}".strip()


class AgentsChoiceField(forms.ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.agent_id} {obj.name}".strip()


class QueueForm(forms.ModelForm[Queue]):
    class Meta:
        model = Queue
        fields = [
            "name",
            "display_name",
            "strategy",
            "weight",
            "skill",
            "min_proficiency",
            "relax",
            "ring_timeout",
            "wrap_up",
            "max_wait",
            "overflow",
            "join_empty",
            "leave_empty",
            "announce_interval",
            "announce_position",
            "music",
            "no_answer_delay",
            "max_no_answer",
            "busy_delay",
            "reject_delay",
            "progressive_step",
            "service_level",
            "supervisors",
        ]
        widgets = {"supervisors": forms.CheckboxSelectMultiple}
        field_classes = {"supervisors": AgentsChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        skill = self.fields["skill"]
        assert isinstance(skill, forms.ModelChoiceField)
        skill.empty_label = _("No skill needed")


class TierForm(forms.ModelForm[Tier]):
    """Adds an agent to a queue (the queue is the page's)."""

    class Meta:
        model = Tier
        fields = ["agent", "level", "position"]
        field_classes = {"agent": AgentChoiceField}

    def __init__(self, *args: Any, queue: Queue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.queue = queue
        agent = self.fields["agent"]
        assert isinstance(agent, forms.ModelChoiceField)
        agent.queryset = User.objects.filter(role__in=AGENT_ROLES, is_active=True).exclude(
            tiers__queue=queue
        )
        agent.empty_label = _("Choose an agent")

    def validate_unique(self) -> None:
        # The queue is not a form field, so ModelForm would skip the (queue, agent) rule.
        try:
            self.instance.validate_constraints()
        except forms.ValidationError as error:
            self.add_error(None, error)


class SkillForm(forms.ModelForm[Skill]):
    class Meta:
        model = Skill
        fields = ["name", "description"]


class AgentSkillForm(forms.ModelForm[AgentSkill]):
    class Meta:
        model = AgentSkill
        fields = ["user", "skill", "proficiency"]
        field_classes = {"user": AgentChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.fields["user"]
        assert isinstance(user, forms.ModelChoiceField)
        user.queryset = User.objects.filter(role__in=AGENT_ROLES, is_active=True)


class ReasonCodeForm(forms.ModelForm[ReasonCode]):
    class Meta:
        model = ReasonCode
        fields = ["code", "label", "active", "order"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.builtin:
            # The switch sets this reason itself: its code and use are fixed.
            self.fields["code"].disabled = True
            self.fields["active"].disabled = True
            self.fields["code"].help_text = _("Built in: the switch sets it after missed calls.")
