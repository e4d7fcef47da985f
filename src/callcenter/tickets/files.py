"""What an attachment may be: its type by extension *and* by content, and its size.

Settings (defaults in `web/settings.py`):

- ``TICKET_ATTACHMENT_TYPES``: the extensions allowed, each of which must be one of
  `SNIFFERS` (checked at start-up, `tickets.E001`);
- ``TICKET_ATTACHMENT_MAX_BYTES``: the largest file accepted;
- ``TICKET_ATTACHMENTS_DIR``: the folder the files are kept in (in the data folder).

`inspect(name, head, size) -> FileType` checks a file by its name, its first bytes and
its size, and raises `ActionError` (codes ``attachment_type``, ``attachment_content``,
``attachment_size``, ``attachment_empty``) with a message that says what is accepted.
A file whose content does not match its extension (an ``.exe`` renamed ``.jpg``) is
refused. The content type stored is the one we determined, never the browser's.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from callcenter.web.errors import ActionError

# How much of a file the sniffers look at (a whole .docx must be read for its index).
HEAD_BYTES = 8192

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _text(head: bytes, whole: bytes | None) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            # The head may end inside a multi-byte character: ignore the last few bytes.
            head[: max(0, len(head) - 4)].decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _zip_with(prefix: str) -> Callable[[bytes, bytes | None], bool]:
    def sniff(head: bytes, whole: bytes | None) -> bool:
        if not head.startswith(b"PK\x03\x04") or whole is None:
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(whole)) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return False
        return "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names)

    return sniff


def _starts(*magics: bytes) -> Callable[[bytes, bytes | None], bool]:
    return lambda head, whole: head.startswith(magics)


def _riff(form: bytes) -> Callable[[bytes, bytes | None], bool]:
    return lambda head, whole: head[:4] == b"RIFF" and head[8:12] == form


def _mp3(head: bytes, whole: bytes | None) -> bool:
    return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] >= 0xE0)


@dataclass(frozen=True)
class Sniffer:
    content_type: str
    matches: Callable[[bytes, bytes | None], bool]
    needs_whole: bool = False


SNIFFERS: dict[str, Sniffer] = {
    "jpg": Sniffer("image/jpeg", _starts(b"\xff\xd8\xff")),
    "jpeg": Sniffer("image/jpeg", _starts(b"\xff\xd8\xff")),
    "png": Sniffer("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    "gif": Sniffer("image/gif", _starts(b"GIF87a", b"GIF89a")),
    "webp": Sniffer("image/webp", _riff(b"WEBP")),
    "pdf": Sniffer("application/pdf", _starts(b"%PDF-")),
    "txt": Sniffer("text/plain", _text),
    "doc": Sniffer("application/msword", _starts(_OLE)),
    "xls": Sniffer("application/vnd.ms-excel", _starts(_OLE)),
    "docx": Sniffer(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _zip_with("word/"),
        needs_whole=True,
    ),
    "xlsx": Sniffer(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _zip_with("xl/"),
        needs_whole=True,
    ),
    "wav": Sniffer("audio/wav", _riff(b"WAVE")),
    "mp3": Sniffer("audio/mpeg", _mp3),
}


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str


def allowed_extensions() -> list[str]:
    return [extension.lower().lstrip(".") for extension in settings.TICKET_ATTACHMENT_TYPES]


def limit() -> int:
    return int(settings.TICKET_ATTACHMENT_MAX_BYTES)


def extension_of(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def needs_whole(name: str) -> bool:
    sniffer = SNIFFERS.get(extension_of(name))
    return sniffer is not None and sniffer.needs_whole


def inspect(name: str, head: bytes, size: int, whole: bytes | None = None) -> FileType:
    """Check a file before it is stored; `whole` is needed when `needs_whole(name)`."""
    allowed = allowed_extensions()
    extension = extension_of(name)
    if extension not in allowed or extension not in SNIFFERS:
        raise ActionError(
            "attachment_type",
            _("Files of this type cannot be attached. Allowed: %(types)s.")
            % {"types": ", ".join(allowed)},
            field="file",
        )
    if size <= 0:
        raise ActionError("attachment_empty", _("The file is empty."), field="file")
    largest = limit()
    if size > largest:
        raise ActionError(
            "attachment_size",
            _("The file is %(size)s; files up to %(limit)s can be attached.")
            % {"size": filesizeformat(size), "limit": filesizeformat(largest)},
            field="file",
        )
    sniffer = SNIFFERS[extension]
    if not sniffer.matches(head, whole):
        raise ActionError(
            "attachment_content",
            _(
                "The content of this file is not a .%(extension)s file. Attach the original "
                "file, not a renamed one."
            )
            % {"extension": extension},
            field="file",
        )
    return FileType(extension, sniffer.content_type)
