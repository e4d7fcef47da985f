"""Telephony administration: the switch's configuration as the web administers it
(extensions now; trunks, queues and IVR flows as the switch grows)."""
