"""Calls: the back-to-back user agent (`manager`), its calls and legs, and the service
numbers the switch answers itself."""

from callcenter.engine.calls.call import Call, Service
from callcenter.engine.calls.leg import Leg, LegState
from callcenter.engine.calls.manager import CallConfig, CallManager
from callcenter.engine.calls.services import ECHO_NUMBER, READBACK_NUMBER, SERVICES

__all__ = [
    "ECHO_NUMBER",
    "READBACK_NUMBER",
    "SERVICES",
    "Call",
    "CallConfig",
    "CallManager",
    "Leg",
    "LegState",
    "Service",
]
