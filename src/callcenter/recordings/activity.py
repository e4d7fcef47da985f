"""What the stored contact-center events say now, for the switch and the pages.

`current_presences()` is what `telephony.directory` gives the switch at start-up
(`engine.ports.Directory.presences`): the agents whose last status is ready or not
ready, to be logged in again at their extension after a restart.
"""

from __future__ import annotations

from callcenter.engine import ports
from callcenter.recordings.choices import AgentStatus
from callcenter.recordings.models import AgentPresence


def current_presences() -> tuple[ports.AgentPresence, ...]:
    """The logged-in agents (ready or not ready) as last stored, by agent ID."""
    rows = AgentPresence.objects.filter(
        status__in=[AgentStatus.READY, AgentStatus.NOT_READY]
    ).order_by("agent")
    return tuple(
        ports.AgentPresence(
            agent_id=row.agent, extension=row.extension, status=row.status, reason=row.reason
        )
        for row in rows
    )
