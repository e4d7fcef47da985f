"""`callcenter serve` runs the BOSS worker: a forward made through the API of a real
server reaches the stand-in BOSS without anyone calling the worker."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

from tests.boss.conftest import SECRET, StandInBoss
from tests.running import RunningCallcenter


def _call(server: RunningCallcenter, method: str, path: str, token: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        server.url + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_the_server_delivers_forwards_in_the_background(
    callcenter: RunningCallcenter, boss: StandInBoss
) -> None:
    boss.start()
    token = callcenter.query(
        "from callcenter.accounts.models import User\n"
        "from callcenter.api.models import ApiToken\n"
        "from callcenter.boss.models import BossEndpoint\n"
        f"BossEndpoint.objects.create(url={boss.url!r}, secret={SECRET!r}, timeout_seconds=5)\n"
        "print(ApiToken.issue(User.objects.get(agent_id='80001'), 'serve test')[1])"
    )
    ticket = _call(
        callcenter,
        "POST",
        "/api/tickets/",
        token,
        {
            "kind": "fault",
            "description": "充电桩无法启动",
            "customer_name": "张三",
            "contact_phone": "13800138000",
            "address": "深圳市福田区福华三路 88 号",
        },
    )
    _call(
        callcenter,
        "POST",
        f"/api/tickets/{ticket['id']}/boss/forward",
        token,
        {"version": ticket["version"]},
    )
    deadline = time.monotonic() + 20
    link: dict[str, Any] = {}
    while time.monotonic() < deadline:
        link = _call(callcenter, "GET", f"/api/tickets/{ticket['id']}/boss", token)
        if link["delivered"]:
            break
        time.sleep(0.2)
    assert link["delivered"], link
    assert link["reference"] == "BOSS-0001"
    assert [sent["ticket"] for sent in boss.received] == [ticket["number"]]
    assert boss.signatures_ok == [True]
