"""Start the history of audits saved before it existed: one event for each step their
who/when fields record (created, submitted, returned, approved). Earlier answer changes were
not recorded and are not invented; each answer's last writer is on the answer itself."""

from django.db import migrations


def backfill(apps, schema_editor):
    Audit = apps.get_model("audits", "Audit")
    AuditEvent = apps.get_model("audits", "AuditEvent")
    events = []
    for a in Audit.objects.exclude(events__isnull=False).iterator():
        events.append(
            AuditEvent(audit=a, at=a.created_at, user_id=a.created_by_id, kind="created", after={"status": "draft"})
        )
        if a.submitted_at:
            events.append(
                AuditEvent(
                    audit=a,
                    at=a.submitted_at,
                    user_id=a.submitted_by_id,
                    kind="submitted",
                    after={"status": "submitted"},
                )
            )
        if a.returned_at:
            events.append(
                AuditEvent(
                    audit=a,
                    at=a.returned_at,
                    user_id=a.returned_by_id,
                    kind="returned",
                    after={"status": "returned", "comment": a.return_comment},
                )
            )
        if a.approved_at:
            events.append(
                AuditEvent(
                    audit=a, at=a.approved_at, user_id=a.approved_by_id, kind="approved", after={"status": "approved"}
                )
            )
    AuditEvent.objects.bulk_create(events, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("audits", "0005_audit_revisions_and_history")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
