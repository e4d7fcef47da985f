"""The one exception the contact center's commands raise (`engine.acd.center`,
`engine.acd.control`); the REST API turns each code into a message and a status."""

from __future__ import annotations


class CommandError(Exception):
    """A command the switch refuses: ``code`` is stable (the API maps it to a message)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
