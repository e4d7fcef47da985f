"""The package stays sans-IO: importing all of it pulls in no event loop and no Django."""

from __future__ import annotations

import subprocess
import sys

MODULES = ("packet", "rtcp", "g711", "dtmf", "wav", "tones", "mixer", "jitter", "header", "stream")
FORBIDDEN = ("asyncio", "uvloop", "django", "callcenter.engine")


def test_importing_rtp_loads_no_event_loop_or_django() -> None:
    code = (
        "import sys, warnings\n"
        "warnings.simplefilter('error', DeprecationWarning)\n"
        + "".join(f"import callcenter.rtp.{name}\n" for name in MODULES)
        + f"print(sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
