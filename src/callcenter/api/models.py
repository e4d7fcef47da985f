"""API tokens for systems (``Authorization: Bearer <token>``).

Only a SHA-256 hash of the token is stored; the token itself is shown once, when it is
issued (`ApiToken.issue`, or the admin's add page). A token acts as its owner: the same
capabilities, the same unit scope. Revoking sets `revoked_at`; a revoked token, or one
whose owner is deactivated, is refused (401).
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from callcenter.accounts.models import User

PREFIX = "cc_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class ApiToken(models.Model):
    name = models.CharField(
        _("name"), max_length=100, help_text=_("Which system uses it, e.g. 呼叫中心报表系统.")
    )
    owner = models.ForeignKey(
        User, verbose_name=_("acts as"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    hint = models.CharField(_("token starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def set_new_key(self) -> str:
        """Give the token a new secret; returns it (it is stored only hashed)."""
        token = PREFIX + secrets.token_urlsafe(32)
        self.key_hash = hash_token(token)
        self.hint = token[:10]
        return token

    @classmethod
    def issue(cls, owner: User, name: str) -> tuple[ApiToken, str]:
        token = cls(owner=owner, name=name)
        raw = token.set_new_key()
        token.save()
        return token, raw

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
