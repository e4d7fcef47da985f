"""Forms of the accounts pages: login, password, agent administration and its filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from callcenter.accounts.choices import AccountState, Role
from callcenter.accounts.models import LoginThrottle, Unit, User


class LoginForm(forms.Form):
    agent_id = forms.CharField(
        label=_("Agent ID"),
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    extension = forms.CharField(
        label=_("Extension"),
        max_length=10,
        required=False,
        help_text=_("Required for agents: the number of the phone you sit at."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class PasswordPairMixin(forms.Form):
    """Two password fields that must match and pass the password rules."""

    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Confirm new password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def password_user(self) -> User | None:
        return None

    def clean_password2(self) -> str:
        first = self.cleaned_data.get("password1")
        second: str = self.cleaned_data.get("password2", "")
        if first and second and first != second:
            raise forms.ValidationError(_("The two passwords differ."), code="password_mismatch")
        return second

    def _post_clean_password(self) -> None:
        password = self.cleaned_data.get("password2")
        if password:
            try:
                password_validation.validate_password(password, self.password_user())
            except forms.ValidationError as error:
                self.add_error("password2", error)


class ChangeOwnPasswordForm(PasswordPairMixin):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    field_order = ["old_password", "password1", "password2"]

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def password_user(self) -> User | None:
        return self.user

    def clean_old_password(self) -> str:
        old: str = self.cleaned_data["old_password"]
        if not self.user.check_password(old):
            raise forms.ValidationError(
                _("Your current password is wrong."), code="password_incorrect"
            )
        return old

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._post_clean_password()
        return cleaned


class AgentFormMixin(forms.ModelForm[User]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["unit"].help_text = _("Only for unit operators.")


class AgentCreateForm(AgentFormMixin, PasswordPairMixin):
    class Meta:
        model = User
        fields = ["agent_id", "name", "role", "unit", "phone", "auto_answer"]

    def password_user(self) -> User | None:
        instance: User = self.instance
        return instance

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._post_clean_password()
        return cleaned


class AgentEditForm(AgentFormMixin):
    class Meta:
        model = User
        fields = ["name", "role", "unit", "phone", "auto_answer"]


class SetPasswordForm(PasswordPairMixin):
    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def password_user(self) -> User | None:
        return self.user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self._post_clean_password()
        return cleaned


class AgentFilterForm(forms.Form):
    """The agent list's filters; every field optional, applied together."""

    agent_id = forms.CharField(label=_("Agent ID"), required=False, max_length=20)
    name = forms.CharField(label=_("Name"), required=False, max_length=50)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All")), *list(Role.choices)]
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"), required=False, queryset=Unit.objects.all(), empty_label=_("All")
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), *list(AccountState.choices)],
    )

    def filter(self, users: QuerySet[User]) -> QuerySet[User]:
        if not self.is_valid():
            return users.none()
        data = self.cleaned_data
        if data["agent_id"]:
            users = users.filter(agent_id__icontains=data["agent_id"].strip())
        if data["name"]:
            users = users.filter(name__icontains=data["name"].strip())
        if data["role"]:
            users = users.filter(role=data["role"])
        if data["unit"]:
            users = users.filter(unit=data["unit"])
        locked_ids = LoginThrottle.objects.filter(locked_until__gt=timezone.now()).values(
            "agent_id"
        )
        if data["state"] == AccountState.INACTIVE:
            users = users.filter(is_active=False)
        elif data["state"] == AccountState.LOCKED:
            users = users.filter(is_active=True, agent_id__in=locked_ids)
        elif data["state"] == AccountState.ACTIVE:
            users = users.filter(Q(is_active=True) & ~Q(agent_id__in=locked_ids))
        return users
