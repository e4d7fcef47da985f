"""Kamailio as a reference registrar and proxy: `KamailioRegistrar`.

The configuration is written in Kamailio's native language, for Debian's `kamailio`
package alone (no database): the users and their passwords sit in an `htable` filled when
the module starts, and `pv_auth_check` of the `auth` module checks the digest against the
plain password (flags 0), with the auth username required to match the To user of a
REGISTER. What the script does:

- REGISTER: challenge (401, qop=auth) until the credentials are right, then `save`.
- OPTIONS to the server itself: 200.
- INVITE: `lookup` of the called user's contacts, `t_relay` with Record-Route; 404 when the
  user has no contact. In-dialog requests follow the route set; CANCEL follows its INVITE.
- Anything else: 405.

The process runs in the foreground (`-DD -E`) with small memory (`-m 64 -M 8`), its pid
file, runtime folder and ctl socket in the caller's folder; `kamcmd` reads the location
table through that socket. `modparam("usrloc", "preload", "location")` is required, else
REGISTER gets no answer (shared/notes/test-peers.md).
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from tests.interop.peers import processes

KAMAILIO = "/usr/sbin/kamailio"
KAMCMD = "/usr/sbin/kamcmd"
MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"
_USER = re.compile(r"^[A-Za-z0-9._~+-]+$")
_PASSWORD = re.compile(r'^[^"\\\s]+$')

_CONFIG = """#!KAMAILIO
# Written by tests/interop/peers/kamailio.py for one test; see its docstring.
debug=2
log_stderror=yes
children=2
tcp_children=2
auto_aliases=no
dns=no
rev_dns=no
listen=udp:127.0.0.1:{port}
listen=tcp:127.0.0.1:{port}
alias="127.0.0.1:{port}"
mpath="{modules}"

loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "ctl.so"
loadmodule "htable.so"
loadmodule "auth.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"

modparam("ctl", "binrpc", "unix:{ctl}")
modparam("usrloc", "preload", "location")
modparam("registrar", "max_expires", 3600)
modparam("htable", "htable", "users=>size=8;")

event_route[htable:mod-init] {{
{users}
}}

request_route {{
    if (!mf_process_maxfwd_header("10")) {{
        sl_send_reply("483", "Too Many Hops");
        exit;
    }}
    if (is_method("OPTIONS") && uri == myself && $rU == $null) {{
        sl_send_reply("200", "OK");
        exit;
    }}
    if (is_method("REGISTER")) {{
        if ($au == $null || $sht(users=>$au) == $null) {{
            auth_challenge("{realm}", "1");
            exit;
        }}
        if (!pv_auth_check("{realm}", "$sht(users=>$au)", "0", "1")) {{
            auth_challenge("{realm}", "1");
            exit;
        }}
        if (!save("location")) {{
            sl_reply_error();
        }}
        exit;
    }}
    if (has_totag()) {{
        if (loose_route()) {{
            t_relay();
            exit;
        }}
        if (is_method("ACK") && t_check_trans()) {{
            t_relay();
        }}
        exit;
    }}
    if (is_method("CANCEL")) {{
        if (t_check_trans()) {{
            t_relay();
        }}
        exit;
    }}
    if (is_method("INVITE")) {{
        record_route();
        if (!lookup("location")) {{
            sl_send_reply("404", "Not Found");
            exit;
        }}
        t_relay();
        exit;
    }}
    sl_send_reply("405", "Method Not Allowed");
}}
"""


@dataclass(frozen=True)
class KamailioContact:
    """One binding of the location table, as `kamcmd ul.lookup` shows it."""

    address: str
    expires: int
    instance: str
    reg_id: int
    socket: str
    user_agent: str


class KamailioError(RuntimeError):
    pass


class KamailioRegistrar:
    """A Kamailio registrar on 127.0.0.1:`port` (UDP and TCP) for the static `users`.

    Usage::

        with KamailioRegistrar(tmp_path / "kamailio", {"70001": "secret"}) as registrar:
            registrar.address            # "127.0.0.1:PORT"
            registrar.registered_contacts("70001")
    """

    def __init__(
        self,
        directory: Path,
        users: Mapping[str, str],
        *,
        port: int | None = None,
        realm: str = "callcenter.interop",
        start_timeout: float = 10.0,
    ) -> None:
        for user, password in users.items():
            if not _USER.match(user) or not _PASSWORD.match(password):
                raise ValueError(f"user {user!r} or its password cannot go into kamailio.cfg")
        self.directory = directory
        self.users = dict(users)
        self.port = port if port is not None else processes.free_port()
        self.realm = realm
        self.start_timeout = start_timeout
        self.config = directory / "kamailio.cfg"
        self.log = directory / "kamailio.log"
        self.ctl = directory / "kamailio.ctl"
        self.pid_file = directory / "kamailio.pid"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return processes.HOST

    @property
    def address(self) -> str:
        return f"{processes.HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def config_text(self) -> str:
        users = "\n".join(
            f'    $sht(users=>{user}) = "{password}";' for user, password in self.users.items()
        )
        return _CONFIG.format(
            port=self.port, modules=MODULES, ctl=self.ctl, users=users, realm=self.realm
        )

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        for program in (KAMAILIO, KAMCMD):
            if shutil.which(program) is None:
                raise KamailioError(f"{program} is missing: run tools/install-system-deps")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.config.write_text(self.config_text())
        command = [
            KAMAILIO,
            "-f",
            str(self.config),
            "-DD",
            "-E",
            "-m",
            "64",
            "-M",
            "8",
            "-Y",
            str(self.directory),
            "-P",
            str(self.pid_file),
            "-w",
            str(self.directory),
        ]
        self._process = processes.start(command, self.log, self.directory)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self._process is not None:
            processes.stop(self._process)
            self._process = None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise KamailioError(
                    f"kamailio exited with {self._process.returncode}:\n"
                    + processes.log_tail(self.log)
                )
            if self.ctl.exists() and self.ping(timeout=0.3) == 200:
                return
            time.sleep(0.05)
        raise KamailioError(
            "kamailio did not answer OPTIONS in time:\n" + processes.log_tail(self.log)
        )

    def ping(self, timeout: float = 1.0) -> int | None:
        """Sends one OPTIONS over UDP; returns the status code of the answer, None if none."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((processes.HOST, 0))
            local_port = sock.getsockname()[1]
            call_id = uuid.uuid4().hex
            request = (
                f"OPTIONS sip:{self.address} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {processes.HOST}:{local_port};branch=z9hG4bK{call_id[:16]}\r\n"
                "Max-Forwards: 70\r\n"
                f"From: <sip:ping@{processes.HOST}:{local_port}>;tag={call_id[16:24]}\r\n"
                f"To: <sip:{self.address}>\r\n"
                f"Call-ID: {call_id}\r\n"
                "CSeq: 1 OPTIONS\r\n"
                "Content-Length: 0\r\n\r\n"
            )
            sock.settimeout(timeout)
            sock.sendto(request.encode(), (processes.HOST, self.port))
            try:
                answer = sock.recv(65535)
            except TimeoutError:
                return None
        match = re.match(rb"SIP/2\.0 (\d{3}) ", answer)
        return int(match.group(1)) if match else None

    def kamcmd(self, *args: str, timeout: float = 5.0) -> str:
        """Runs one RPC command through this instance's ctl socket; returns its output."""
        result = subprocess.run(
            [KAMCMD, "-s", f"unix:{self.ctl}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise KamailioError(f"kamcmd {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def registered_contacts(self, user: str) -> list[KamailioContact]:
        """The contacts bound to `user` in the location table (empty when there are none)."""
        # "s:" keeps kamcmd from sending a numeric user such as 70001 as an integer.
        output = self.kamcmd("ul.lookup", "location", f"s:{user}")
        if "AOR not found" in output:
            return []
        if output.startswith("error"):
            raise KamailioError(f"ul.lookup {user}: {output.strip()}")
        return parse_contacts(output)


def parse_contacts(output: str) -> list[KamailioContact]:
    """The `Contact: { … }` blocks of `kamcmd ul.lookup` output."""
    contacts: list[KamailioContact] = []
    fields: dict[str, str] | None = None
    for raw in output.splitlines():
        line = raw.strip()
        if line == "Contact: {":
            fields = {}
        elif fields is not None and line == "}":
            contacts.append(
                KamailioContact(
                    address=fields.get("Address", ""),
                    expires=_integer(fields.get("Expires", "")),
                    instance=fields.get("Instance", ""),
                    reg_id=_integer(fields.get("Reg-Id", "")),
                    socket=fields.get("Socket", ""),
                    user_agent=fields.get("User-Agent", ""),
                )
            )
            fields = None
        elif fields is not None and ": " in line:
            key, value = line.split(": ", 1)
            fields[key] = "" if value == "[not set]" else value
    return contacts


def _integer(text: str) -> int:
    """A number of the ul.lookup output; 0 for anything else (e.g. "permanent")."""
    return int(text) if text.lstrip("-").isdigit() else 0
