"""Automatic call distribution: agents and their states (`states`), queues and waiting
callers (`queue`), strategies as pure functions (`strategies`), the choice of which
agent takes which caller (`distributor`), and the glue to the call layer (`center`)."""
