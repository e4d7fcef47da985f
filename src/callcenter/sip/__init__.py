"""Sans-IO SIP: wire formats and protocol rules, with no sockets, no asyncio and no Django.

The package turns bytes into typed values and back (RFC 3261 §7, §19, §20, §25) and holds
the transaction and dialog state machines, driven by a clock the caller passes in. The
engine's transports feed it bytes and send what it returns. Nothing here may import
asyncio, uvloop, django or callcenter.engine.

Modules:

- :mod:`callcenter.sip.errors`: :class:`SipParseError` (remote, carries the SIP status to
  answer with and what could still be read) and :class:`SipUsageError` (local misuse).
- :mod:`callcenter.sip.uri`: ``sip:``/``sips:``/``tel:`` URIs as frozen values.
- :mod:`callcenter.sip.headers`: the ordered, case-insensitive :class:`Headers` collection
  and typed header values (Via, name-addr, CSeq, auth params, ...).
- :mod:`callcenter.sip.message`: :class:`Request`, :class:`Response`, :func:`parse`,
  stream framing (:func:`message_length`) and :func:`make_response`.
- :mod:`callcenter.sip.partial` and :mod:`callcenter.sip.malformed`: reading what a
  malformed message still shows, and answering it (:func:`error_response`) or dropping it.
- :mod:`callcenter.sip.constants`: methods, status codes and reason phrases (§21).
- :mod:`callcenter.sip.sdp` and :mod:`callcenter.sip.offer_answer`: SDP values (RFC 4566)
  and the offer/answer model (RFC 3264).
- :mod:`callcenter.sip.auth`: digest authentication (RFC 2617, 7616, 8760) and the
  per-source failure limiter.
- :mod:`callcenter.sip.transaction`: the four transaction machines of §17 (with RFC 6026),
  tables in ``_transaction_tables``.
- :mod:`callcenter.sip.dialog`: dialogs (§12).
"""
