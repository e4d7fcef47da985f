"""Password rules whose messages Django's Chinese catalogue lacks.

Django 5.2 changed the text of the minimum-length message, and its zh_Hans catalogue still
translates only the old text, so an agent would read English. This validator says the
same in a message of our own catalogue.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: use at least %(min_length)d character.",
            "This password is too short: use at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
