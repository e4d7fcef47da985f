"""Forms of the IVR administration pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from callcenter.ivr.flows import Reading, pretty, read_flow
from callcenter.ivr.models import Flow, Prompt
from callcenter.ivr.prompts import convert_wav, prompt_names


class PromptForm(forms.ModelForm[Prompt]):
    file = forms.FileField(
        label=_("WAV file"),
        required=False,
        help_text=_(
            "A WAV recording (PCM or G.711, any rate, mono or stereo); it is converted to "
            "8 kHz mono, as the phone network carries it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".wav,audio/wav,audio/x-wav"}),
    )

    class Meta:
        model = Prompt
        fields = ["name", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wav: bytes | None = None
        self.duration = 0.0
        if self.instance.pk:
            # Flows and queues name it: the name stays.
            self.fields["name"].disabled = True
            self.fields["file"].help_text = _("Empty: keep the current recording.")
        else:
            self.fields["file"].required = True

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload:
            self.wav, self.duration = convert_wav(upload.read())
        return upload


class FlowForm(forms.ModelForm[Flow]):
    definition_text = forms.CharField(
        label=_("Definition (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "code"}),
    )

    class Meta:
        model = Flow
        fields = ["name", "title"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading: Reading | None = None
        if not self.is_bound:
            self.initial["definition_text"] = pretty(self.instance.definition)

    def clean(self) -> dict[str, Any]:
        from callcenter.acd.models import Queue

        cleaned = super().clean() or {}
        text = cleaned.get("definition_text")
        name = cleaned.get("name") or self.instance.name
        if text is None:
            return cleaned
        flows = set(Flow.objects.values_list("name", flat=True)) | {name}
        self.reading = read_flow(
            name,
            text,
            prompts=prompt_names(),
            queues=set(Queue.objects.values_list("name", flat=True)),
            flows=flows,
        )
        for message in self.reading.errors:
            self.add_error("definition_text", message)
        if self.reading.flow is not None and not self.reading.errors:
            definition = self.reading.flow.to_dict()
            definition["title"] = cleaned.get("title", "")
            self.instance.definition = definition
        return cleaned
