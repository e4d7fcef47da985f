"""Serving a file with HTTP range requests, so a browser's audio player can seek.

Django's `FileResponse` always sends the whole file. `ranged_file_response` answers a
``Range: bytes=…`` request (RFC 9110 §14) with the part asked for:

1. One range, ``first-last``, ``first-`` or the suffix ``-length``: 206 Partial Content
   with ``Content-Range: bytes first-last/size``. A last position past the end is cut to
   the end; a suffix longer than the file is the whole file.
2. A range that starts at or after the end, or a zero-length suffix (and any range of an
   empty file): 416 Range Not Satisfiable with ``Content-Range: bytes */size``.
3. Several ranges, another unit, a malformed header, or an ``If-Range`` that does not
   match the file's current validator: the header is ignored and the whole file sent
   (200), as §14.2 allows.
Every answer says ``Accept-Ranges: bytes`` and carries ``ETag`` and ``Last-Modified``.

The file is read in chunks as it is sent: in a worker thread under ASGI (the switch
shares the event loop), directly under WSGI and the test client.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header, http_date

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class ByteRange:
    first: int
    last: int  # inclusive

    @property
    def length(self) -> int:
        return self.last - self.first + 1


class Unsatisfiable(Exception):
    """The range lies outside the file (answered with 416)."""


def parse_range(header: str, size: int) -> ByteRange | None:
    """The one byte range `header` asks for within a file of `size` bytes; None when the
    header is to be ignored (rule 3); raises `Unsatisfiable` (rule 2)."""
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # suffix: the last N bytes
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and last < first:
        return None  # invalid range-spec
    if first >= size:
        raise Unsatisfiable
    return ByteRange(first, min(last, size - 1))


# The generators open the file when the first chunk is asked for, so a response that is
# never sent (HEAD, a client gone) leaves no file open.


def _open(path: Path) -> BinaryIO:
    return path.open("rb")


def _read(path: Path, first: int, length: int) -> Iterator[bytes]:
    file = _open(path)
    try:
        file.seek(first)
        while length > 0:
            chunk = file.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        file.close()


async def _read_async(path: Path, first: int, length: int) -> AsyncIterator[bytes]:
    file = await sync_to_async(_open, thread_sensitive=False)(path)
    read = sync_to_async(file.read, thread_sensitive=False)
    try:
        file.seek(first)
        while length > 0:
            chunk = await read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        file.close()


def ranged_file_response(
    request: HttpRequest,
    path: Path,
    content_type: str,
    *,
    filename: str | None = None,
    as_attachment: bool = False,
) -> HttpResponseBase:
    """The file at `path` (which must exist), whole or the one range asked for."""
    stat = path.stat()
    size = stat.st_size
    etag = f'"{size:x}-{stat.st_mtime_ns:x}"'
    last_modified = http_date(stat.st_mtime)
    header = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range.strip() not in (etag, last_modified):
        header = ""
    try:
        byte_range = parse_range(header, size) if header else None
    except Unsatisfiable:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        refused["Accept-Ranges"] = "bytes"
        return refused
    first, length = (byte_range.first, byte_range.length) if byte_range else (0, size)
    content = (
        _read_async(path, first, length)
        if isinstance(request, ASGIRequest)
        else _read(path, first, length)
    )
    response = StreamingHttpResponse(content, content_type=content_type)
    if byte_range is not None:
        response.status_code = 206
        response["Content-Range"] = f"bytes {byte_range.first}-{byte_range.last}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = last_modified
    response["Cache-Control"] = "private, no-transform"
    disposition = content_disposition_header(as_attachment, filename or os.path.basename(path))
    if disposition:
        response["Content-Disposition"] = disposition
    return response
