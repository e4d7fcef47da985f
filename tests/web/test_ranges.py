"""HTTP range requests (RFC 9110 §14), as a browser's audio player sends them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from django.core.handlers.asgi import ASGIRequest
from django.test import AsyncRequestFactory, RequestFactory

from callcenter.web.ranges import ByteRange, Unsatisfiable, parse_range, ranged_file_response

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 99)),  # the first bytes
        ("bytes=0-", ByteRange(0, 999)),  # what a player asks first
        ("bytes=500-599", ByteRange(500, 599)),  # the middle
        ("bytes=900-5000", ByteRange(900, 999)),  # cut to the end
        ("bytes=-100", ByteRange(900, 999)),  # the last 100 bytes
        ("bytes=-5000", ByteRange(0, 999)),  # a suffix longer than the file: all of it
        ("bytes=999-999", ByteRange(999, 999)),
        ("bytes = 10-19", ByteRange(10, 19)),
    ],
)
def test_satisfiable_ranges(header: str, expected: ByteRange) -> None:
    assert parse_range(header, SIZE) == expected


@pytest.mark.parametrize(
    "header", ["bytes=0-9,20-29", "items=0-9", "bytes=9-0", "bytes=-", "bytes=a-b", "0-9"]
)
def test_ranges_that_are_ignored(header: str) -> None:
    assert parse_range(header, SIZE) is None


@pytest.mark.parametrize(("header", "size"), [("bytes=1000-", 1000), ("bytes=-0", 1000),
                                               ("bytes=0-", 0), ("bytes=-10", 0)])  # fmt: skip
def test_unsatisfiable_ranges(header: str, size: int) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, size)


@pytest.fixture
def audio(tmp_path: Path) -> Path:
    path = tmp_path / "call.wav"
    path.write_bytes(bytes(n % 251 for n in range(200_000)))  # more than one chunk
    return path


def get(path: Path, **headers: str):
    request = RequestFactory().get("/x", headers=headers)
    return ranged_file_response(request, path, "audio/wav")


def test_whole_file(audio: Path) -> None:
    response = get(audio)
    assert response.status_code == 200
    assert response["Content-Length"] == "200000"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Disposition"] == 'inline; filename="call.wav"'
    assert b"".join(response.streaming_content) == audio.read_bytes()


def test_partial_content(audio: Path) -> None:
    response = get(audio, Range="bytes=100000-170000")
    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 100000-170000/200000"
    assert response["Content-Length"] == "70001"
    assert b"".join(response.streaming_content) == audio.read_bytes()[100000:170001]


def test_unsatisfiable(audio: Path) -> None:
    response = get(audio, Range="bytes=200000-")
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */200000"


def test_if_range_that_no_longer_matches_sends_everything(audio: Path) -> None:
    etag = get(audio)["ETag"]
    assert get(audio, Range="bytes=0-9", If_Range=etag).status_code == 206
    assert get(audio, Range="bytes=0-9", If_Range='"stale"').status_code == 200


def test_asgi_reads_in_a_worker_thread(audio: Path) -> None:
    request = AsyncRequestFactory().get("/x", headers={"Range": "bytes=-10"})
    assert isinstance(request, ASGIRequest)
    response = ranged_file_response(request, audio, "audio/wav")
    assert response.is_async

    async def read() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    assert asyncio.run(read()) == audio.read_bytes()[-10:]
