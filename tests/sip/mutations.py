"""Mutating real SIP messages for property tests: flips, deletions, insertions of the
characters SIP's grammar cares about, and truncation."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

DATA = Path(__file__).parent / "data"
SAMPLES = [path.read_bytes() for path in sorted(DATA.glob("*/*.sip"))]
INSERTS = [
    b"\r\n",
    b"\n",
    b" ",
    b":",
    b";",
    b",",
    b'"',
    b"<",
    b">",
    b"%",
    b"\x00",
    b"\xff",
    b"@",
    b"SIP/2.0",
    b"\r\n ",
]


def mutate(
    sample: bytes, data: st.DataObject, *, max_ops: int = 6, keep_head: bool = False
) -> bytes:
    """Up to `max_ops` random edits of `sample`. With `keep_head`, truncation keeps at
    least the first half (so the start line and the key headers usually survive)."""
    buf = bytearray(sample)
    for _ in range(data.draw(st.integers(1, max_ops))):
        op = data.draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        pos = data.draw(st.integers(0, max(len(buf) - 1, 0)))
        if op == "flip" and buf:
            buf[pos] = data.draw(st.integers(0, 255))
        elif op == "delete" and buf:
            del buf[pos : pos + data.draw(st.integers(1, 8))]
        elif op == "insert":
            buf[pos:pos] = data.draw(st.sampled_from(INSERTS))
        elif not keep_head:
            del buf[pos:]
        elif data.draw(st.booleans()):
            del buf[max(pos, len(buf) // 2) :]
    return bytes(buf)
