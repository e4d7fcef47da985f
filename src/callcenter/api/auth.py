"""Who is calling the API.

1. ``Authorization: Bearer <token>``: an `ApiToken` that is not revoked and whose owner
   is active; the request acts as the owner. No CSRF check (no cookie is involved).
2. Otherwise the session of a logged-in user (the pages' own scripts), with Django's
   CSRF check for unsafe methods (``X-CSRFToken`` header), as on any page.
3. Otherwise 401 ``not_authenticated``. A malformed, unknown or revoked token is 401
   ``invalid_token`` even if a session exists: a system must not silently act as whoever
   is logged in in the same browser.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.translation import gettext as _

from callcenter.accounts.models import User
from callcenter.api.errors import ApiError
from callcenter.api.models import ApiToken, hash_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# `last_used_at` is written at most this often per token (not on every request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return HttpResponse(reason, status=403)


def _no_response(request: HttpRequest) -> HttpResponse:  # pragma: no cover
    raise AssertionError("not called")


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _space, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError("invalid_token", _("The Authorization header must be “Bearer <token>”."))
    return token.strip()


def authenticate(request: HttpRequest) -> User:
    token = _bearer(request)
    if token is not None:
        found = ApiToken.objects.select_related("owner").filter(key_hash=hash_token(token)).first()
        if found is None or not found.is_active or not found.owner.is_active:
            raise ApiError("invalid_token", _("This API token is unknown or was revoked."))
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.owner
        return found.owner
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise ApiError("not_authenticated", _("Log in or give an API token."))
    if request.method not in SAFE_METHODS:
        check = _CsrfCheck(_no_response)
        check.process_request(request)
        if check.process_view(request, None, (), {}) is not None:  # type: ignore[arg-type]
            raise ApiError("csrf_failed", _("The CSRF token is missing or wrong: reload the page."))
    assert isinstance(user, User)
    return user
