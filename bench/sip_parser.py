"""SIP parser throughput: messages per second for a typical INVITE and 200 OK, one core."""

from __future__ import annotations

import timeit
from pathlib import Path

from bench.common import table, write
from callcenter.sip.message import parse

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "sip" / "data" / "corpus"


def rate(statement: str, namespace: dict[str, object]) -> float:
    timer = timeit.Timer(statement, globals=namespace)
    loops, _ = timer.autorange()
    best = min(timer.repeat(repeat=5, number=loops))
    return loops / best


def main() -> None:
    rows = []
    for name in sorted(path.stem for path in CORPUS.glob("*.sip")):
        data = (CORPUS / f"{name}.sip").read_bytes()
        message = parse(data)
        namespace = {"parse": parse, "data": data, "message": message}
        rows.append(
            [
                name,
                len(data),
                f"{rate('parse(data)', namespace):,.0f}",
                f"{rate('bytes(parse(data))', namespace):,.0f}",
                f"{rate('message.call_id; message.cseq; message.via', namespace):,.0f}",
            ]
        )
    body = table(["message", "bytes", "parse/s", "parse+serialise/s", "typed header reads/s"], rows)
    write("sip_parser", "SIP parser throughput (one core)", body)


if __name__ == "__main__":
    main()
