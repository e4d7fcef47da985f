"""Announcing numbers with the shipped prompts: a count, digit by digit, in Chinese.

``say_number(12)`` is ``["digit-1", "digit-2"]`` ("一二"); the queue announcements put
it between ``queue-position`` and ``queue-callers`` ("您前面还有" … "位客户在等待").
"""

from __future__ import annotations

__all__ = ["digit_prompt", "say_number"]


def digit_prompt(digit: str) -> str:
    """The prompt name of one digit 0-9 (``digit-0`` … ``digit-9``)."""
    if len(digit) != 1 or digit not in "0123456789":
        raise ValueError(f"not a digit: {digit!r}")
    return f"digit-{digit}"


def say_number(n: int) -> list[str]:
    """The prompt names announcing ``n`` (0 or more) digit by digit."""
    if n < 0:
        raise ValueError(f"cannot announce a negative count: {n}")
    return [digit_prompt(d) for d in str(n)]
