"""Fixtures for the sans-IO SIP tests: the torture and corpus messages on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
RFC4475 = DATA / "rfc4475"
CORPUS = DATA / "corpus"


def load(name: str) -> bytes:
    """The bytes of an RFC 4475 torture message, by the RFC's test name."""
    return (RFC4475 / f"{name}.sip").read_bytes()


@pytest.fixture
def corpus() -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in sorted(CORPUS.glob("*.sip"))}
