"""The one error type that actions raise when a user's request breaks a rule.

Every refusal has a stable code (for the API and for tests), a message in the user's
language (for the page), and optionally the form field it concerns, as Zulip's
`JsonableError` and Saleor's error codes do. An API error is rendered as
``{"code": ..., "message": ..., "field": ...}``.
"""

from __future__ import annotations

from django.utils.functional import Promise


class ActionError(Exception):
    def __init__(self, code: str, message: str | Promise, field: str | None = None) -> None:
        # Rendered now, in the language of the request that caused it.
        self.message = str(message)
        super().__init__(self.message)
        self.code = code
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}
