"""callcenter: an open-source contact center.

A SIP switch (IVR, queues, agents, recording) and the service desk its agents work in
(CRM, tickets, work orders for repair units), in one Python distribution.
"""

__version__ = "0.1.0"
