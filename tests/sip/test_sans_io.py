"""The SIP package stays sans-IO, and the switch stays free of Django (ARCHITECTURE.md):
importing every module of `callcenter.sip` pulls in no event loop and no Django, and
importing every module of `callcenter.engine` pulls in no Django."""

from __future__ import annotations

import subprocess
import sys


def loaded_after_importing(package: str, forbidden: tuple[str, ...]) -> list[str]:
    code = (
        "import importlib, pkgutil, sys\n"
        f"import {package} as root\n"
        "for info in pkgutil.walk_packages(root.__path__, root.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        f"print(' '.join(sorted(m for m in sys.modules if m.startswith({forbidden!r}))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def test_importing_sip_loads_no_event_loop_or_django() -> None:
    assert loaded_after_importing("callcenter.sip", ("asyncio", "uvloop", "django")) == []


def test_importing_the_engine_loads_no_django() -> None:
    assert loaded_after_importing("callcenter.engine", ("django", "callcenter.web")) == []
