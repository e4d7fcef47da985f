"""Finding a customer by the caller ID of an incoming call (B2).

Customers' numbers are stored normalised (`tickets.validators.normalize_phone`): a
mobile as its 11 digits, a fixed line with its area code when it was given one
(``075588886666``), else as the local 7–8 digits. A caller ID arrives in any form:
``+8613800138000``, ``008613800138000``, ``8613800138000``, with a trunk's prefix ``0`` or
``9`` in front (``013800138000``), a fixed line with or without its area code. Rules:

Rule 1. Separators (spaces, ``-``, brackets, dots) are dropped; what is left must be
    digits (an optional ``+`` first) of at most 20: "anonymous", an empty number or one
    of 40 digits finds nobody, without error.
Rule 2. The country code 86 comes off (``+86``, ``0086``, or ``86`` before 11 digits);
    a fixed line given with it gets back the 0 of its area code.
Rule 3. A mobile number is found as itself, also behind one prefix digit 0 or 9.
Rule 4. A fixed line with an area code is found as given and, when the area is the
    switch's own (``local_area``), also as the local number; a local number is found
    as given and with the local area code in front.

`lookup_numbers` gives the stored forms to look for, best first; each is at most a few
and the lookup is one indexed ``IN`` query. `caller_forms` goes the other way: the caller
IDs a stored number may have arrived as, for finding a customer's calls in the records.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-()（）·•.]")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_AREA = re.compile(r"^(0(?:10|2[0-9]|[3-9][0-9]{2}))([1-9][0-9]{6,7})$")
_LOCAL = re.compile(r"^[2-9][0-9]{6,7}$")
_SERVICE = re.compile(r"^[48]00[0-9]{7}$")
MAX_DIGITS = 20


def lookup_numbers(caller_id: str, local_area: str = "") -> list[str]:
    """The normalised numbers a customer with this caller ID may be stored under."""
    text = _SEPARATORS.sub("", caller_id.strip())
    international = text.startswith("+")
    if international:
        text = text[1:]
        if not text.startswith("86"):
            return [text] if text.isdigit() and len(text) <= MAX_DIGITS else []
        text = text[2:]
    if not text.isdigit() or not text or len(text) > MAX_DIGITS:
        return []
    if text.startswith("0086"):
        text, international = text[4:], True
    elif text.startswith("86") and len(text) == 13:
        text, international = text[2:], True
    if international and not _MOBILE.match(text) and not text.startswith("0"):
        text = "0" + text  # +86 755 … is 0755 … at home
    found: list[str] = []
    if _MOBILE.match(text) or _SERVICE.match(text):
        found.append(text)
    elif len(text) == 12 and text[0] in "09" and _MOBILE.match(text[1:]):
        found.append(text[1:])
    elif (area := _AREA.match(text)) is not None:
        found.append(text)
        if area.group(1) == local_area:
            found.append(area.group(2))
    elif _LOCAL.match(text):
        found.append(text)
        if local_area:
            found.append(local_area + text)
    else:
        found.append(text)  # anything else is looked up as it came (an extension, say)
    return found


def caller_forms(number: str, local_area: str = "") -> list[str]:
    """The caller IDs under which a stored (normalised) number may have called: the
    other way round from `lookup_numbers`, for finding a customer's calls in the records
    (which keep the caller ID as the switch saw it)."""
    if _MOBILE.match(number):
        return [number, f"+86{number}", f"0086{number}", f"86{number}", f"0{number}", f"9{number}"]
    if (area := _AREA.match(number)) is not None:
        rest = number[1:]
        found = [number, f"+86{rest}", f"0086{rest}"]
        return [*found, area.group(2)] if area.group(1) == local_area else found
    if _LOCAL.match(number) and local_area:
        return [number, local_area + number, f"+86{local_area[1:]}{number}"]
    return [number]
