"""The built-in not-ready reason no_answer (未接听): the switch sets it after missed calls."""

from django.db import migrations


def create_no_answer(apps, schema_editor):
    ReasonCode = apps.get_model("acd", "ReasonCode")
    ReasonCode.objects.get_or_create(code="no_answer", defaults={"label": "未接听", "order": 90})


class Migration(migrations.Migration):
    dependencies = [("acd", "0001_initial")]

    operations = [migrations.RunPython(create_no_answer, migrations.RunPython.noop)]
