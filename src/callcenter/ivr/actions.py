"""Changes to the IVR configuration, each in a transaction and audited.

Rules:
1. A prompt that a flow or a queue names cannot be deleted.
2. A flow that routes, queues or other flows lead to can be neither deleted nor renamed.
3. A prompt's file is written after its row is saved, replacing the old file at once
   (`os.replace`), so the switch never reads half a file.
"""

from __future__ import annotations

import os
import tempfile

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from callcenter.accounts.actions import audit
from callcenter.accounts.models import User
from callcenter.acd.destinations import destination_users
from callcenter.ivr.models import Flow, Prompt
from callcenter.ivr.prompts import prompts_dir
from callcenter.web.errors import ActionError

PROMPT_FIELDS = ("prompt", "invalid_prompt", "timeout_prompt")


def prompt_users(name: str) -> list[str]:
    """The flows and queues that name the prompt."""
    from callcenter.acd.models import Queue

    users = [
        _("queue %(name)s") % {"name": queue}
        for queue in Queue.objects.filter(music=name).values_list("name", flat=True)
    ]
    for flow_name, definition in Flow.objects.values_list("name", "definition"):
        nodes = definition.get("nodes", []) if isinstance(definition, dict) else []
        if any(
            isinstance(node, dict) and name in (node.get(field) for field in PROMPT_FIELDS)
            for node in nodes
        ):
            users.append(_("IVR flow %(name)s") % {"name": flow_name})
    return users


def _write_file(prompt: Prompt, wav: bytes) -> None:
    folder = prompts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(handle, "wb") as file:
        file.write(wav)
    os.replace(temporary, prompt.path)


def save_prompt(
    actor: User,
    prompt: Prompt,
    changed: list[str],
    wav: bytes | None,
    duration: float,
    request: HttpRequest | None = None,
) -> Prompt:
    creating = prompt.pk is None
    with transaction.atomic():
        if wav is not None:
            prompt.duration = round(duration, 2)
        prompt.full_clean()
        prompt.save()
        if wav is not None:
            _write_file(prompt, wav)
        audit(
            actor,
            "prompt_created" if creating else "prompt_updated",
            f"prompt {prompt.name}",
            request,
            fields=sorted(changed),
        )
    return prompt


def delete_prompt(actor: User, prompt: Prompt, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        users = prompt_users(prompt.name)
        if users:
            raise ActionError(
                "prompt_in_use",
                _("%(users)s use prompt %(name)s: change them first.")
                % {"users": ", ".join(users), "name": prompt.name},
            )
        name, path = prompt.name, prompt.path
        prompt.delete()
        audit(actor, "prompt_deleted", f"prompt {name}", request)
        transaction.on_commit(lambda: path.unlink(missing_ok=True))


def save_flow(
    actor: User, flow: Flow, changed: list[str], request: HttpRequest | None = None
) -> Flow:
    creating = flow.pk is None
    with transaction.atomic():
        if not creating and "name" in changed:
            old_name = Flow.objects.values_list("name", flat=True).get(pk=flow.pk)
            users = [
                user
                for user in destination_users(f"flow:{old_name}")
                if user != _("IVR flow %(name)s") % {"name": old_name}
            ]
            if users:
                raise ActionError(
                    "flow_in_use",
                    _("%(users)s lead to flow %(name)s: change them before renaming it.")
                    % {"users": ", ".join(users), "name": old_name},
                    field="name",
                )
        flow.full_clean()
        flow.save()
        audit(
            actor,
            "flow_created" if creating else "flow_updated",
            f"flow {flow.name}",
            request,
            fields=sorted(changed),
        )
    return flow


def delete_flow(actor: User, flow: Flow, request: HttpRequest | None = None) -> None:
    with transaction.atomic():
        users = [
            user
            for user in destination_users(flow.destination)
            if user != _("IVR flow %(name)s") % {"name": flow.name}
        ]
        if users:
            raise ActionError(
                "flow_in_use",
                _("%(users)s lead to flow %(name)s: change or delete them first.")
                % {"users": ", ".join(users), "name": flow.name},
            )
        name = flow.name
        flow.delete()
        audit(actor, "flow_deleted", f"flow {name}", request)
