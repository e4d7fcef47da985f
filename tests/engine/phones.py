"""A scripted SIP phone for in-memory tests: builds REGISTERs and answers challenges."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from callcenter.sip.auth import authorization, choose_challenge
from callcenter.sip.message import Request, Response, parse

_branches = itertools.count(1)


@dataclass
class Phone:
    number: str
    password: str
    host: str = "10.0.0.5"
    port: int = 5062
    transport: str = "UDP"
    call_id: str = "reg-call-1"
    cseq: int = 0
    registrar: str = "sip:127.0.0.1"
    user_agent: str = "TestPhone/1.0"
    nc: int = 0
    extra: list[str] = field(default_factory=list)

    def register(
        self,
        *,
        expires: int | None = 3600,
        contact: str | None = None,
        challenge: Response | None = None,
        password: str | None = None,
        username: str | None = None,
        to_user: str | None = None,
    ) -> Request:
        self.cseq += 1
        contact = contact if contact is not None else f"<sip:{self.number}@{self.host}:{self.port}>"
        branch = f"z9hG4bK-{next(_branches)}"
        lines = [
            f"REGISTER {self.registrar} SIP/2.0",
            f"Via: SIP/2.0/{self.transport} {self.host}:{self.port};branch={branch};rport",
            "Max-Forwards: 70",
            f"From: <sip:{self.number}@127.0.0.1>;tag=ft{self.number}",
            f"To: <sip:{to_user or self.number}@127.0.0.1>",
            f"Call-ID: {self.call_id}",
            f"CSeq: {self.cseq} REGISTER",
            f"Contact: {contact}",
            f"User-Agent: {self.user_agent}",
        ]
        if expires is not None:
            lines.append(f"Expires: {expires}")
        if challenge is not None:
            self.nc += 1
            chosen = choose_challenge(challenge.headers.values("www-authenticate"))
            value = authorization(
                chosen,
                method="REGISTER",
                uri=self.registrar,
                username=username or self.number,
                password=password if password is not None else self.password,
                cnonce=f"cn{self.nc}",
                nc=self.nc,
            )
            lines.append(f"Authorization: {value}")
        lines += self.extra
        lines.append("Content-Length: 0")
        message = parse(("\r\n".join(lines) + "\r\n\r\n").encode())
        assert isinstance(message, Request)
        return message
