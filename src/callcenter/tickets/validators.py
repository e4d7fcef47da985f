"""Chinese phone numbers and vehicle plates, as customers give them (`notes/chinese.md`).

- `normalize_phone(text) -> str`: digits only, ``+86``/``0086``/``86`` taken off a
  mobile number, separators (spaces, ``-``, brackets) dropped. Raises `ValidationError`
  unless the result is a mobile number (1[3-9] and 9 digits), a fixed line with its area
  code (0 + 2–3 digits + 7–8 digits), a local fixed line (7–8 digits) or a 400/800
  service number. ``86 138 0013 8000`` → ``13800138000``; ``0755-8888 6666`` →
  ``075588886666``.
- `normalize_plate(text) -> str`: upper case, the decorative middle dot and spaces taken
  out. Raises unless it is a province character, a city letter and 5 characters
  (letters without I and O, digits; the last may be 挂/学/警/港/澳), or a new-energy plate
  of 6 (D or F first with a letter or digit and 4 digits, or 5 digits and D or F last).
  ``粤b·d12345`` → ``粤BD12345``.

Both are used by the ticket model's fields and can serve the CRM (B2, B6) as they are.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s\-()（）·•.]")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_FIXED_WITH_AREA = re.compile(r"^0[1-9][0-9]{1,2}[1-9][0-9]{6,7}$")
_FIXED_LOCAL = re.compile(r"^[2-9][0-9]{6,7}$")
_SERVICE = re.compile(r"^[48]00[0-9]{7}$")

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_CHAR = "[A-HJ-NP-Z0-9]"
_PLATE = re.compile(
    rf"^[{PROVINCES}][A-HJ-NP-Z]"
    rf"(?:{_PLATE_CHAR}{{5}}"  # ordinary: 粤B12345
    rf"|{_PLATE_CHAR}{{4}}[挂学警港澳]"  # trailer, driving school, police, HK/Macao
    r"|[DF][A-HJ-NP-Z0-9][0-9]{4}"  # new energy, small car: 粤BD12345
    r"|[0-9]{5}[DF])$"  # new energy, large vehicle: 粤B12345D
)


def normalize_phone(text: str) -> str:
    digits = _SEPARATORS.sub("", text.strip())
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("86"):
            raise ValidationError(
                _("Enter a Chinese phone number (a mobile number such as 13800138000)."),
                code="foreign_phone",
            )
    if digits.startswith("0086"):
        digits = digits[4:]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits.isdigit() or not (
        _MOBILE.match(digits)
        or _FIXED_WITH_AREA.match(digits)
        or _FIXED_LOCAL.match(digits)
        or _SERVICE.match(digits)
    ):
        raise ValidationError(
            _(
                "Enter a mobile number of 11 digits (such as 13800138000) or a fixed line "
                "with its area code (such as 0755-88886666)."
            ),
            code="invalid_phone",
        )
    return digits


def normalize_plate(text: str) -> str:
    plate = _SEPARATORS.sub("", text.strip()).upper()
    if not _PLATE.match(plate):
        raise ValidationError(
            _(
                "Enter a plate number such as 粤B12345, or 粤BD12345 for a new-energy "
                "vehicle (the letters I and O are not used)."
            ),
            code="invalid_plate",
        )
    return plate
