"""Pages of the accounts app: login, logout, re-login, own password, agent administration.

Views parse forms and call `actions`; the rules live there.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from callcenter.accounts import actions
from callcenter.accounts.choices import LoginEnd
from callcenter.accounts.forms import (
    AgentCreateForm,
    AgentEditForm,
    AgentFilterForm,
    ChangeOwnPasswordForm,
    LoginForm,
    SetPasswordForm,
)
from callcenter.accounts.models import LoginThrottle, User
from callcenter.accounts.roles import Capability, require
from callcenter.web.errors import ActionError

AGENTS_PER_PAGE = 20


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@never_cache
@csrf_protect
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.log_in(request, data["agent_id"], data["password"], data["extension"])
        except ActionError as refusal:
            form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        else:
            return redirect(_safe_next(request) or "home")
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": _safe_next(request) or "", "handover": "handover" in request.GET},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    actions.log_out(request, LoginEnd.LOGOUT)
    messages.info(request, _("You have logged out."))
    return redirect("accounts:login")


@require_POST
def relogin_view(request: HttpRequest) -> HttpResponse:
    """Shift handover (重新登录): end this login and show the login form for the next."""
    actions.log_out(request, LoginEnd.RELOGIN)
    messages.info(request, _("Handover: the next operator may log in now."))
    return redirect(reverse("accounts:login") + "?handover=1")


@login_required
@never_cache
def password_change_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    form = ChangeOwnPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.change_own_password(request, request.user, form.cleaned_data["password2"])
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:password_change")
    return render(request, "accounts/password_change.html", {"form": form})


# --- agent administration ---------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require(Capability.ADMINISTER)
def agent_list_view(request: HttpRequest) -> HttpResponse:
    form = AgentFilterForm(request.GET or None)
    users = User.objects.select_related("unit")
    if request.GET:
        users = form.filter(users)
    users = users.annotate(last_login_at=Max("logins__logged_in_at"))
    page = Paginator(users.order_by("agent_id"), AGENTS_PER_PAGE).get_page(request.GET.get("page"))
    locked = set(
        LoginThrottle.objects.filter(
            locked_until__gt=timezone.now(), agent_id__in=[user.agent_id for user in page]
        ).values_list("agent_id", flat=True)
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/agent_list.html",
        {"form": form, "page": page, "locked": locked, "query": query.urlencode()},
    )


@require(Capability.ADMINISTER)
def agent_create_view(request: HttpRequest) -> HttpResponse:
    form = AgentCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = actions.create_agent(
            _actor(request),
            password=data["password2"],
            request=request,
            agent_id=data["agent_id"],
            name=data["name"],
            role=data["role"],
            unit=data["unit"],
            phone=data["phone"],
            auto_answer=data["auto_answer"],
        )
        messages.success(request, _("Agent %(agent)s has been added.") % {"agent": user})
        return redirect("accounts:agent_list")
    return render(request, "accounts/agent_form.html", {"form": form, "creating": True})


@require(Capability.ADMINISTER)
def agent_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = AgentEditForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_agent(_actor(request), form.instance, form.changed_data, request)
        except ActionError as refusal:
            form.add_error(refusal.field, refusal.message)
        else:
            messages.success(request, _("Agent %(agent)s has been saved.") % {"agent": user})
            return redirect("accounts:agent_list")
    return render(
        request, "accounts/agent_form.html", {"form": form, "agent": user, "creating": False}
    )


@require(Capability.ADMINISTER)
def agent_password_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.reset_password(_actor(request), user, form.cleaned_data["password2"], request)
        messages.success(request, _("The password of %(agent)s has been reset.") % {"agent": user})
        return redirect("accounts:agent_list")
    return render(request, "accounts/agent_password.html", {"form": form, "agent": user})


def _agent_state_change(request: HttpRequest, pk: int, change: str) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    done = {
        "deactivate": (actions.deactivate_agent, _("Agent %(agent)s has been deactivated.")),
        "activate": (actions.activate_agent, _("Agent %(agent)s has been activated.")),
        "unlock": (actions.unlock_agent, _("Agent %(agent)s has been unlocked.")),
    }
    action, message = done[change]
    try:
        action(_actor(request), user, request)
    except ActionError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, message % {"agent": user})
    return redirect(_safe_next(request) or "accounts:agent_list")


@require_POST
@require(Capability.ADMINISTER)
def agent_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _agent_state_change(request, pk, "deactivate")


@require_POST
@require(Capability.ADMINISTER)
def agent_activate_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _agent_state_change(request, pk, "activate")


@require_POST
@require(Capability.ADMINISTER)
def agent_unlock_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _agent_state_change(request, pk, "unlock")
