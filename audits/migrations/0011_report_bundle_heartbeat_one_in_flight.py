"""Report bundles: a heartbeat while rendering, and one bundle in flight per council."""

from django.db import migrations, models
from django.utils import timezone


def fail_all_but_the_latest_in_flight(apps, schema_editor):
    """Before the constraint: where a council has several bundles queued or rendering (allowed
    until now), keep the latest and mark the others failed."""
    ReportBundle = apps.get_model("audits", "ReportBundle")
    in_flight = ReportBundle.objects.filter(state__in=["queued", "running"]).order_by(
        "council_id", "-requested_at", "-pk"
    )
    seen = set()
    older = []
    for pk, council_id in in_flight.values_list("pk", "council_id"):
        if council_id in seen:
            older.append(pk)
        seen.add(council_id)
    ReportBundle.objects.filter(pk__in=older).update(
        state="failed",
        finished_at=timezone.now(),
        error="Replaced by a later request for the same reports; prepare them again if you still need these.",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0010_factorscore_ordering_without_join"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportbundle",
            name="heartbeat_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the task last said it is alive (every 15 seconds while it renders).",
                null=True,
            ),
        ),
        migrations.RunPython(fail_all_but_the_latest_in_flight, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="reportbundle",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state__in", ["queued", "running"])),
                fields=("council",),
                name="report_bundle_one_in_flight_per_council",
            ),
        ),
    ]
