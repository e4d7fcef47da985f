"""The churn ("chaos") test of the contact center: sipp customers and agents against an
Engine running in the test process, with hang-ups at every phase, agents going not ready
and logging out, and agent phones killed mid-ring and mid-call. `churn` runs it,
`books` checks the switch's books afterwards; `bench/chaos_full.py` runs the long version.
"""
