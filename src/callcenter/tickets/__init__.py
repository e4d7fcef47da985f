"""Tickets (工单) and the work orders (维修单) sent down to second-level units (issue 5;
REQUIREMENTS B4, C2–C12). No pages yet: the agents' ticket pages, the unit desk, the REST
API and BOSS forwarding are built on these modules.

Where to look:

- `tickets.states`: the state tables (work orders, requests, inquiries), who may take each
  action, `available_actions(ticket, user)` for a page's buttons. Start here.
- `tickets.actions`: every change, one function per action, each
  ``action(actor, ticket_or_id, *, version, …inputs, request=None) -> Ticket``; refusals
  are `ActionError(code, message, field)`. The docstring lists every signature and code.
- `tickets.batch`: the unit desk's batches (receive, return, assign, feedback, handle,
  mixed receive/return), one `BatchResult` per order.
- `tickets.models`: `Ticket` (fields, `TicketQuerySet.visible_to / in_unit_scope /
  waiting_for_unit / receive_counts / overdue`), `TicketEvent` (history), `Attachment`,
  `Category`, `ReturnReason`, `WorkCalendar` + `CalendarDay`, `SlaTarget`.
- `tickets.choices`: `Kind`, `Priority`, `State`, `Action`, `FeedbackKind`, `DayKind`.
- `tickets.sla` (pure working-hours arithmetic) and `tickets.deadlines` (when each
  deadline starts); `tickets.numbering` (``GD20261122-0001``); `tickets.files` (what an
  attachment may be); `tickets.validators` (Chinese phone numbers and plates).

A page typically does::

    ticket = get_object_or_404(Ticket.objects.visible_to(request.user), pk=pk)
    try:
        ticket = actions.receive(request.user, ticket, version=form.cleaned_data["version"],
                                 handler=form.cleaned_data["handler"], request=request)
    except ActionError as error:
        form.add_error(error.field, error.message)

and keeps ``version`` in a hidden field, so that a second operator acting on the same
order is told to reload (code ``stale``) instead of overwriting the first.
"""
