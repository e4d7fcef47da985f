"""Named personas shared by the whole suite (as Zulip's hamlet and iago).

- `lina`: agent 80001 (李娜), sits at extension 70001.
- `zhou`: supervisor 90001 (周晓东).
- `admin`: the administrator.
- `sunli`: unit operator u1001 (孙丽) of 福田维修站.
Passwords are `PASSWORD` unless a test changes them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from callcenter.accounts.choices import Role
from callcenter.accounts.models import Handler, Unit, User
from callcenter.telephony.models import Extension
from tests.running import RunningCallcenter, running_callcenter

PASSWORD = "Zx9-callcenter"


@pytest.fixture
def extension_70001(db: None) -> Extension:
    return Extension.objects.create(number="70001", sip_password="70001", display_name="座席 1")


@pytest.fixture
def futian(db: None) -> Unit:
    unit = Unit.objects.create(code="U1", name="福田维修站")
    Handler.objects.create(unit=unit, name="何建国", phone="13900000001")
    return unit


@pytest.fixture
def lina(db: None) -> User:
    return User.objects.create_user("80001", PASSWORD, name="李娜", role=Role.AGENT)


@pytest.fixture
def zhou(db: None) -> User:
    return User.objects.create_user("90001", PASSWORD, name="周晓东", role=Role.SUPERVISOR)


@pytest.fixture
def admin(db: None) -> User:
    return User.objects.create_user("admin", PASSWORD, name="系统管理员", role=Role.ADMINISTRATOR)


@pytest.fixture
def sunli(futian: Unit) -> User:
    return User.objects.create_user(
        "u1001", PASSWORD, name="孙丽", role=Role.UNIT_OPERATOR, unit=futian
    )


def log_in(client: Client, agent_id: str, extension: str = "", password: str = PASSWORD):
    return client.post(
        "/accounts/login/",
        {"agent_id": agent_id, "password": password, "extension": extension},
    )


@pytest.fixture
def lina_client(client: Client, lina: User, extension_70001: Extension) -> Client:
    response = log_in(client, "80001", "70001")
    assert response.status_code == 302, response.content.decode()
    return client


@pytest.fixture
def admin_client(client: Client, admin: User) -> Client:
    response = log_in(client, "admin")
    assert response.status_code == 302, response.content.decode()
    return client


@pytest.fixture
def sunli_client(client: Client, sunli: User) -> Client:
    response = log_in(client, "u1001")
    assert response.status_code == 302, response.content.decode()
    return client


@pytest.fixture(scope="session")
def callcenter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCallcenter]:
    """One real `callcenter serve` (web and SIP on 127.0.0.1) with the demo data, shared by
    the e2e and interop tests of a run."""
    with running_callcenter(tmp_path_factory.mktemp("callcenter")) as server:
        yield server
