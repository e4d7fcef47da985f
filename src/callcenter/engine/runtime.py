"""How the switch's process runs: the garbage collector's settings.

The switch keeps many small, long-lived objects (registrations, transactions waiting out
their timers, calls) and makes many short-lived ones per message. CPython's default
collector (a young-generation pass every 700 allocations) then spends a growing share of
the CPU re-scanning the long-lived ones: measured at 300 call setups/s, a quarter of the
switch's time (bench/results/call_setup.md). After start-up, what exists is frozen into
the permanent generation (Python's `gc.freeze`, meant for exactly this), and the young
generation is collected less often. Reference counting still frees almost everything
at once; the collector only finds cycles.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
OLDER_THRESHOLDS = (20, 100)


def tune_garbage_collector() -> None:
    """Call once the process has started (modules imported, configuration read)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
