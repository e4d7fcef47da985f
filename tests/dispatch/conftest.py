"""The unit desk's tests use the tickets tests' cast and lists (`tests/tickets/conftest`):
福田维修站 with its sub-unit 福田维修站一班, 南山维修站 and its operator, the return
reasons, and `make_ticket` to put an order straight into a state."""

from tests.tickets.conftest import (  # noqa: F401
    fast_passwords,
    futian_1,
    guo_ming,
    he_jianguo,
    make_ticket,
    nanshan,
    reason,
    wugang,
)
