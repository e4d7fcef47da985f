"""DTMF in SIP INFO bodies: the de facto dtmf-relay format and the bare digit."""

from __future__ import annotations

import pytest

from callcenter.engine.calls.dtmf_info import DTMF, DTMF_RELAY, info_digit


@pytest.mark.parametrize(
    ("body", "mime", "digit"),
    [
        ("Signal=5\r\nDuration=160\r\n", DTMF_RELAY, "5"),
        ("Signal= #\r\nDuration=100", DTMF_RELAY, "#"),
        ("signal=11\r\n", DTMF_RELAY, "#"),
        ("Signal=10", DTMF_RELAY, "*"),
        ("Signal=a", DTMF_RELAY, "A"),
        ("Duration=160", DTMF_RELAY, None),  # no Signal line
        ("Signal=55", DTMF_RELAY, None),
        ("7", DTMF, "7"),
        ("x", DTMF, None),
        ("", DTMF, None),
    ],
)
def test_info_digit(body: str, mime: str, digit: str | None) -> None:
    assert info_digit(body, mime) == digit
