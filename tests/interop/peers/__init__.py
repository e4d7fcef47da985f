"""Real SIP programs driven from tests and benchmarks: baresip phones, sipp, Kamailio.

Each peer runs as its own process on 127.0.0.1, writes its configuration and logs into a
folder the caller gives (a pytest `tmp_path`), and is stopped by its PID when its context
manager exits, also when the test fails. See shared/notes/test-peers.md for the facts
about these programs that the configurations here rely on.
"""

from tests.interop.peers.baresip import BaresipError, BaresipEvent, BaresipPhone, SipAccount
from tests.interop.peers.kamailio import KamailioContact, KamailioRegistrar
from tests.interop.peers.processes import free_port, free_sip_port, free_udp_range
from tests.interop.peers.sipp import SCENARIOS, SippResult, SippTimeout, run_sipp

__all__ = [
    "SCENARIOS",
    "BaresipError",
    "BaresipEvent",
    "BaresipPhone",
    "KamailioContact",
    "KamailioRegistrar",
    "SipAccount",
    "SippResult",
    "SippTimeout",
    "free_port",
    "free_sip_port",
    "free_udp_range",
    "run_sipp",
]
