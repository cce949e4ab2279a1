"""Existing audits are led by whoever started them (what new audits do)."""

from django.db import migrations
from django.db.models import F


def lead_is_starter(apps, schema_editor):
    apps.get_model("audits", "Audit").objects.filter(lead=None).update(lead=F("created_by"))


class Migration(migrations.Migration):
    dependencies = [("audits", "0019_audit_lead_assignments_withdraw_council_events")]

    operations = [migrations.RunPython(lead_is_starter, migrations.RunPython.noop)]
