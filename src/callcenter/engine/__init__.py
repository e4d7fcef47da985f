"""The switch: an asyncio program (on uvloop) that speaks SIP to phones, gateways and
trunks and emits one stream of events. It imports the sans-IO `sip` and `rtp` packages and
reaches the outside world only through the ports in `engine.ports`; it never imports Django.
"""
