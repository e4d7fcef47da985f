"""ACD administration pages: queues with their agents, skills, not-ready reasons (A4, A5)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from callcenter.accounts.models import User
from callcenter.accounts.roles import Capability, require
from callcenter.acd import actions
from callcenter.acd.destinations import destination_users
from callcenter.acd.forms import AgentSkillForm, QueueForm, ReasonCodeForm, SkillForm, TierForm
from callcenter.acd.models import AgentSkill, Queue, ReasonCode, Skill, Tier
from callcenter.web.errors import ActionError


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


# --- queues -----------------------------------------------------------------------------


@require(Capability.ADMINISTER)
def queue_list_view(request: HttpRequest) -> HttpResponse:
    queues = (
        Queue.objects.select_related("skill")
        .prefetch_related("supervisors")
        .annotate(agent_count=Count("tiers"))
    )
    return render(request, "acd/queue_list.html", {"queues": queues})


@require(Capability.ADMINISTER)
def queue_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    queue = get_object_or_404(Queue, pk=pk) if pk is not None else Queue()
    form = QueueForm(request.POST or None, instance=queue)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_queue(
                _actor(request),
                form.instance,
                form.changed_data,
                request,
                supervisors=list(form.cleaned_data["supervisors"]),
            )
        except ActionError as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        else:
            messages.success(request, _("Queue %(name)s has been saved.") % {"name": queue.name})
            if pk is None:  # now add its agents
                return redirect("acd:queue_edit", pk=queue.pk)
            return redirect("acd:queue_list")
    context = {"form": form, "queue": queue}
    if queue.pk:
        context["tiers"] = queue.tiers.select_related("agent").order_by(
            "level", "position", "agent__agent_id"
        )
        context["tier_form"] = TierForm(queue=queue)
    return render(request, "acd/queue_form.html", context)


@require(Capability.ADMINISTER)
def queue_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes."""
    queue = get_object_or_404(Queue, pk=pk)
    if request.method == "POST":
        try:
            actions.delete_queue(_actor(request), queue, request)
        except ActionError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Queue %(name)s has been deleted.") % {"name": queue.name})
        return redirect("acd:queue_list")
    return render(
        request,
        "telephony/confirm_delete.html",
        {
            "title": _("Delete queue %(name)s") % {"name": queue.name},
            "question": _(
                "Delete queue %(name)s (%(display_name)s) and its list of agents? Callers can "
                "no longer be sent to it."
            )
            % {"name": queue.name, "display_name": queue.display_name},
            "blockers": destination_users(queue.destination),
            "blockers_text": _("These lead to it; change or delete them first:"),
            "cancel": "acd:queue_list",
        },
    )


@require_POST
@require(Capability.ADMINISTER)
def tier_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    queue = get_object_or_404(Queue, pk=pk)
    tier_form = TierForm(request.POST, queue=queue)
    if tier_form.is_valid():
        tier = actions.add_tier(_actor(request), tier_form.instance, request)
        messages.success(
            request,
            _("Agent %(agent)s has been added to queue %(name)s.")
            % {"agent": tier.agent.agent_id, "name": queue.name},
        )
        return redirect("acd:queue_edit", pk=queue.pk)
    return render(
        request,
        "acd/queue_form.html",
        {
            "form": QueueForm(instance=queue),
            "queue": queue,
            "tiers": queue.tiers.select_related("agent"),
            "tier_form": tier_form,
        },
    )


@require_POST
@require(Capability.ADMINISTER)
def tier_remove_view(request: HttpRequest, pk: int, tier_pk: int) -> HttpResponse:
    tier = get_object_or_404(Tier.objects.select_related("agent", "queue"), pk=tier_pk, queue=pk)
    actions.remove_tier(_actor(request), tier, request)
    messages.success(
        request,
        _("Agent %(agent)s has been removed from queue %(name)s.")
        % {"agent": tier.agent.agent_id, "name": tier.queue.name},
    )
    return redirect("acd:queue_edit", pk=pk)


# --- skills -----------------------------------------------------------------------------


@require(Capability.ADMINISTER)
def skill_list_view(request: HttpRequest) -> HttpResponse:
    skills = Skill.objects.annotate(agent_count=Count("agents", distinct=True)).prefetch_related(
        "queues"
    )
    agent_skills = AgentSkill.objects.select_related("user", "skill")
    return render(request, "acd/skill_list.html", {"skills": skills, "agent_skills": agent_skills})


@require(Capability.ADMINISTER)
def skill_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    skill = get_object_or_404(Skill, pk=pk) if pk is not None else Skill()
    form = SkillForm(request.POST or None, instance=skill)
    if request.method == "POST" and form.is_valid():
        actions.save_skill(_actor(request), form.instance, form.changed_data, request)
        messages.success(request, _("Skill %(name)s has been saved.") % {"name": skill.name})
        return redirect("acd:skill_list")
    title = _("Modify skill %(name)s") % {"name": skill.name} if skill.pk else _("Add skill")
    return render(
        request,
        "acd/simple_form.html",
        {"form": form, "title": title, "cancel": "acd:skill_list", "testid": "skill"},
    )


@require_POST
@require(Capability.ADMINISTER)
def skill_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    skill = get_object_or_404(Skill, pk=pk)
    try:
        actions.delete_skill(_actor(request), skill, request)
    except ActionError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Skill %(name)s has been deleted.") % {"name": skill.name})
    return redirect("acd:skill_list")


@require(Capability.ADMINISTER)
def agent_skill_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    agent_skill = get_object_or_404(AgentSkill, pk=pk) if pk is not None else AgentSkill()
    form = AgentSkillForm(request.POST or None, instance=agent_skill)
    if request.method == "POST" and form.is_valid():
        actions.save_agent_skill(_actor(request), form.instance, form.changed_data, request)
        messages.success(
            request,
            _("Agent %(agent)s now has skill %(skill)s at proficiency %(proficiency)s.")
            % {
                "agent": agent_skill.user.agent_id,
                "skill": agent_skill.skill.name,
                "proficiency": agent_skill.proficiency,
            },
        )
        return redirect("acd:skill_list")
    title = _("Modify agent skill") if agent_skill.pk else _("Give an agent a skill")
    return render(
        request,
        "acd/simple_form.html",
        {"form": form, "title": title, "cancel": "acd:skill_list", "testid": "agent-skill"},
    )


@require_POST
@require(Capability.ADMINISTER)
def agent_skill_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    agent_skill = get_object_or_404(AgentSkill.objects.select_related("user", "skill"), pk=pk)
    actions.delete_agent_skill(_actor(request), agent_skill, request)
    messages.success(
        request,
        _("Agent %(agent)s no longer has skill %(skill)s.")
        % {"agent": agent_skill.user.agent_id, "skill": agent_skill.skill.name},
    )
    return redirect("acd:skill_list")


# --- not-ready reasons ------------------------------------------------------------------


@require(Capability.ADMINISTER)
def reason_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "acd/reason_list.html", {"reasons": ReasonCode.objects.all()})


@require(Capability.ADMINISTER)
def reason_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    reason = get_object_or_404(ReasonCode, pk=pk) if pk is not None else ReasonCode()
    form = ReasonCodeForm(request.POST or None, instance=reason)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_reason(_actor(request), form.instance, form.changed_data, request)
        except ActionError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Reason %(code)s has been saved.") % {"code": reason.code})
            return redirect("acd:reason_list")
    title = (
        _("Modify reason %(code)s") % {"code": reason.code}
        if reason.pk
        else _("Add not-ready reason")
    )
    return render(
        request,
        "acd/simple_form.html",
        {"form": form, "title": title, "cancel": "acd:reason_list", "testid": "reason"},
    )


@require_POST
@require(Capability.ADMINISTER)
def reason_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    reason = get_object_or_404(ReasonCode, pk=pk)
    try:
        actions.delete_reason(_actor(request), reason, request)
    except ActionError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Reason %(code)s has been deleted.") % {"code": reason.code})
    return redirect("acd:reason_list")
