"""Chinese phone numbers and plates as customers give them (`notes/chinese.md`)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from callcenter.tickets.validators import normalize_phone, normalize_plate


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("13800138000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("86 138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("19912345678", "19912345678"),
        ("0755-88886666", "075588886666"),
        ("(010) 6552 9988", "01065529988"),
        ("020-12345678", "02012345678"),
        ("88886666", "88886666"),  # local, without the area code
        ("4008000000", "4008000000"),
        ("800 820 8820", "8008208820"),
    ],
)
def test_phone_numbers(given: str, stored: str) -> None:
    assert normalize_phone(given) == stored


@pytest.mark.parametrize(
    "given",
    ["12345", "1380013800", "138001380001", "12800138000", "+1 415 555 0100", "电话", "0755-88"],
)
def test_bad_phone_numbers(given: str) -> None:
    with pytest.raises(ValidationError):
        normalize_phone(given)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("粤B12345", "粤B12345"),
        ("粤b·12345", "粤B12345"),
        ("粤B 1234A", "粤B1234A"),
        ("京A·D12345", "京AD12345"),  # new energy, small car
        ("沪AF1234", None),  # too short for new energy, ordinary with F: 5 characters
        ("粤B12345D", "粤B12345D"),  # new energy, large vehicle
        ("粤BDA1234", "粤BDA1234"),
        ("苏E1234学", "苏E1234学"),
    ],
)
def test_plates(given: str, stored: str | None) -> None:
    assert normalize_plate(given) == (stored or given.replace(" ", "").upper())


@pytest.mark.parametrize(
    "given", ["粤BI2345", "粤BO2345", "X B12345", "粤12345", "粤B1234", "粤B1234567", "粤BD1234A"]
)
def test_bad_plates(given: str) -> None:
    with pytest.raises(ValidationError):
        normalize_plate(given)
