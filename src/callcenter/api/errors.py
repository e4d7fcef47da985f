"""The API's one error format: ``{"code", "message", "field"}`` with its HTTP status.

`ApiError` is raised by the API's own checks (authentication, body, parameters); an
`ActionError` from the actions gets its status from `STATUS_OF_CODE` (``400`` for the
rest: a validation error the caller can fix).
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.functional import Promise

from callcenter.web.errors import ActionError

STATUS_OF_CODE: dict[str, int] = {
    "not_authenticated": 401,
    "invalid_token": 401,
    "invalid_signature": 401,
    "not_permitted": 403,
    "csrf_failed": 403,
    "not_found": 404,
    "unknown_action": 404,
    "method_not_allowed": 405,
    "stale": 409,
    "wrong_state": 409,
    "not_for_kind": 409,
    "feedback_given": 409,
    "callback_satisfied": 409,
    "closed": 409,
    "already_forwarded": 409,
    "boss_not_configured": 409,
    "too_large": 413,
    "unsupported_media_type": 415,
}


class ApiError(ActionError):
    def __init__(
        self, code: str, message: str | Promise, field: str | None = None, status: int = 0
    ) -> None:
        super().__init__(code, message, field)
        self.status = status or STATUS_OF_CODE.get(code, 400)


def status_of(error: ActionError) -> int:
    if isinstance(error, ApiError):
        return error.status
    return STATUS_OF_CODE.get(error.code, 400)


def error_response(error: ActionError) -> JsonResponse:
    response = JsonResponse(
        error.as_dict(), status=status_of(error), json_dumps_params={"ensure_ascii": False}
    )
    if response.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="callcenter"'
    return response
