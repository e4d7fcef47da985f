"""Caller IDs in every form find the stored number (`crm.phones`, B2)."""

from __future__ import annotations

import pytest

from callcenter.crm.phones import caller_forms, lookup_numbers


@pytest.mark.parametrize(
    "caller_id",
    [
        "13800138000",
        "+8613800138000",
        "008613800138000",
        "8613800138000",
        "+86 138-0013-8000",
        "013800138000",  # a trunk's 0 in front
        "913800138000",  # an outside-line 9 in front
        "(138) 0013 8000",
    ],
)
def test_a_mobile_number_in_any_form(caller_id: str) -> None:
    assert lookup_numbers(caller_id, "0755") == ["13800138000"]


def test_a_fixed_line_with_and_without_its_area_code() -> None:
    assert lookup_numbers("075526881234", "0755") == ["075526881234", "26881234"]
    assert lookup_numbers("0755-2688 1234", "0755") == ["075526881234", "26881234"]
    assert lookup_numbers("+86 755 2688 1234", "0755") == ["075526881234", "26881234"]
    assert lookup_numbers("26881234", "0755") == ["26881234", "075526881234"]
    # Another city's number is only itself: 2688 1234 in Beijing is someone else.
    assert lookup_numbers("01026881234", "0755") == ["01026881234"]
    assert lookup_numbers("02087654321", "0755") == ["02087654321"]


def test_service_numbers_and_extensions_are_looked_up_as_they_come() -> None:
    assert lookup_numbers("4008000000", "0755") == ["4008000000"]
    assert lookup_numbers("70006", "0755") == ["70006"]


@pytest.mark.parametrize("caller_id", ["", "anonymous", "Anonymous", "1" * 40, "+", "sip:x"])
def test_what_is_no_number_finds_nobody(caller_id: str) -> None:
    assert lookup_numbers(caller_id, "0755") == []


@pytest.mark.parametrize("stored", ["13800138000", "075526881234", "26881234", "4008000000"])
def test_every_caller_form_of_a_stored_number_finds_it_again(stored: str) -> None:
    forms = caller_forms(stored, "0755")
    assert stored in forms
    for caller_id in forms:
        assert stored in lookup_numbers(caller_id, "0755"), caller_id
