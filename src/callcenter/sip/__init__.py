"""Sans-IO SIP: wire formats and protocol rules, with no sockets, no asyncio and no Django.

The package turns bytes into typed values and back (RFC 3261 §7, §19, §20, §25), and will
hold the transaction and dialog state machines. The engine's transports feed it bytes and
send what it returns. Nothing here may import asyncio, uvloop, django or callcenter.engine.

Modules:

- :mod:`callcenter.sip.errors`: :class:`SipParseError` (remote, carries the SIP status to
  answer with) and :class:`SipUsageError` (local misuse).
- :mod:`callcenter.sip.uri`: ``sip:``/``sips:``/``tel:`` URIs as frozen values.
- :mod:`callcenter.sip.headers`: the ordered, case-insensitive :class:`Headers` collection
  and typed header values (Via, name-addr, CSeq, auth params, ...).
- :mod:`callcenter.sip.message`: :class:`Request`, :class:`Response`, :func:`parse`,
  stream framing (:func:`message_length`) and :func:`make_response`.
- :mod:`callcenter.sip.constants`: methods, status codes and reason phrases (§21).
"""
