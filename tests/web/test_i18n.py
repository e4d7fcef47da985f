"""Both catalogues complete, compiled, and covering every string; the language switch."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib
import pytest
from django.test import Client

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "callcenter"
LOCALES = ["zh_Hans", "en"]


def catalogue(locale: str) -> polib.POFile:
    return polib.pofile(str(PACKAGE / "locale" / locale / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete(locale: str) -> None:
    po = catalogue(locale)
    assert len(po) > 50
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_matches_its_source(locale: str) -> None:
    folder = PACKAGE / "locale" / locale / "LC_MESSAGES"
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "django.mo"
        polib.pofile(str(folder / "django.po")).save_as_mofile(str(fresh))
        assert fresh.read_bytes() == (folder / "django.mo").read_bytes(), (
            "django.mo is stale: run `make messages`"
        )


def test_chinese_translations_are_chinese() -> None:
    po = catalogue("zh_Hans")
    latin_only = [
        entry.msgid
        for entry in po.translated_entries()
        if not any("\u4e00" <= char <= "\u9fff" for char in entry.msgstr)
        and not any(
            "\u4e00" <= char <= "\u9fff"
            for values in entry.msgstr_plural.values()
            for char in values
        )
        and entry.msgid not in ALLOWED_LATIN
    ]
    assert latin_only == []


ALLOWED_LATIN = {"English", "IP address", "SIP password"}


def test_every_string_in_the_code_is_in_the_catalogues() -> None:
    """Run makemessages on a copy of the package: it must find no msgid we lack."""
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext is missing: install Debian's gettext (make test does it)")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "callcenter"
        shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run(
            [
                sys.executable,
                "-m",
                "django",
                "makemessages",
                "--locale",
                "zh_Hans",
                "--no-obsolete",
                "--add-location",
                "never",
            ],
            cwd=copy,
            check=True,
            capture_output=True,
            env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "", "PYTHONPATH": ""},
        )
        extracted = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    ours = {(entry.msgctxt, entry.msgid) for entry in catalogue("zh_Hans")}
    missing = sorted(entry.msgid for entry in extracted if (entry.msgctxt, entry.msgid) not in ours)
    assert missing == [], "run `make messages` and translate the new strings"


def test_language_switch(lina_client: Client) -> None:
    chinese = lina_client.get("/").content.decode()
    assert "退出系统" in chinese
    response = lina_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    english = lina_client.get("/").content.decode()
    assert 'lang="en"' in english
    assert "Log out" in english
    assert "User operations" in english
    lina_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "退出系统" in lina_client.get("/").content.decode()


def test_unknown_language_cookie_falls_back_to_chinese(lina_client: Client) -> None:
    lina_client.cookies["callcenter_language"] = "fr"
    assert 'lang="zh-hans"' in lina_client.get("/").content.decode()
