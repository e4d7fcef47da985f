"""Demo IVR: the flow ``demo`` answering 24/7 (welcome, then a menu: 1 业务咨询,
2 投诉建议, 0 the operator at 70008), the hotline 4000 (extensions may dial it) and the
demo DID 4008000000 leading to it (demo data only).

Only what is missing is created; the demo DID is moved to the flow only while it still
leads where the telephony demo first sent it.
"""

from __future__ import annotations

from callcenter.ivr.models import Flow
from callcenter.telephony import demo as telephony_demo

FLOW_NAME = "demo"
FLOW_TITLE = "客服热线语音导航（演示）"
DEFINITION = {
    "start": "welcome",
    "title": FLOW_TITLE,
    "nodes": [
        {"kind": "play", "id": "welcome", "prompt": "welcome", "next": "main"},
        {
            "kind": "menu",
            "id": "main",
            "prompt": "demo-menu",
            "choices": {"1": "service", "2": "complaints", "0": "operator"},
            "timeout": 5.0,
            "retries": 3,
            "invalid_prompt": "invalid",
            "timeout_prompt": "no-input",
            "failure": "goodbye",
        },
        {"kind": "transfer", "id": "service", "destination": "queue:service"},
        {"kind": "transfer", "id": "complaints", "destination": "queue:complaints"},
        {"kind": "transfer", "id": "operator", "destination": "70008"},
        {"kind": "hangup", "id": "goodbye", "prompt": "goodbye"},
    ],
}


def load() -> int:
    _flow, made = Flow.objects.get_or_create(
        name=FLOW_NAME, defaults={"title": FLOW_TITLE, "definition": DEFINITION}
    )
    return made + telephony_demo.route_hotline_to(f"flow:{FLOW_NAME}")
