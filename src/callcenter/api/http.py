"""The frame of every API endpoint: language, method, authentication, JSON bodies and
errors, so that each view only parses its inputs and calls an action.

- The language: the language cookie of the pages, else ``Accept-Language`` (``en`` is
  honoured), else Simplified Chinese.
- Bodies: ``Content-Type: application/json`` (else 415), at most `MAX_BODY_BYTES`
  (else 413), a JSON object (else 400 ``invalid_body``).
- Any `ActionError` becomes its JSON error with its status (`api.errors`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from callcenter.accounts.models import User
from callcenter.api.auth import authenticate
from callcenter.api.errors import ApiError, error_response
from callcenter.web.errors import ActionError

MAX_BODY_BYTES = 64 * 1024

View = Callable[..., HttpResponse]


def _language(request: HttpRequest) -> str:
    supported = {code for code, _name in settings.LANGUAGES}
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in supported:
        return chosen
    if request.headers.get("Accept-Language"):
        found = translation.get_language_from_request(request)
        if found in supported:
            return found
    return settings.LANGUAGE_CODE


def check_body(request: HttpRequest) -> None:
    """Refuse a body that is not JSON (415) or too large (413), before reading it."""
    content_type = request.content_type or ""
    if content_type.lower() != "application/json":
        raise ApiError(
            "unsupported_media_type", _("Send the body as JSON (Content-Type: application/json).")
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise ApiError(
            "too_large",
            _("The body is larger than %(limit)d KiB.") % {"limit": MAX_BODY_BYTES // 1024},
        )


def read_json(request: HttpRequest) -> dict[str, Any]:
    check_body(request)
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError("invalid_body", _("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ApiError("invalid_body", _("The body must be a JSON object."))
    return data


def endpoint(*methods: str, public: bool = False) -> Callable[[View], View]:
    """Wrap an API view ``view(request, user, **kwargs)`` (``user`` is None when
    `public`) that returns a response or raises `ActionError`."""

    def decorator(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            language = _language(request)
            response: HttpResponse
            with translation.override(language):
                try:
                    if request.method not in methods:
                        response = error_response(
                            ApiError(
                                "method_not_allowed",
                                _("This address does not accept %(method)s.")
                                % {"method": request.method},
                            )
                        )
                        response["Allow"] = ", ".join(methods)
                    else:
                        user: User | None = None if public else authenticate(request)
                        response = view(request, user, *args, **kwargs)
                except ActionError as error:
                    response = error_response(error)
                except RequestDataTooBig:  # a body sent without its length, too large
                    response = error_response(
                        ApiError("too_large", _("The body is too large."), status=413)
                    )
            response.headers["Content-Language"] = language
            return response

        return wrapped

    return decorator


def json_response(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
