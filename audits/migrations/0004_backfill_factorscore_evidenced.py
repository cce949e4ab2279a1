"""Fill FactorScore.evidenced for scores saved before the field existed: rated answers that
cite evidence (notes or links), as audits.scoring counts them."""

from django.db import migrations
from django.db.models import Count, Q


def backfill(apps, schema_editor):
    Answer = apps.get_model("audits", "Answer")
    FactorScore = apps.get_model("audits", "FactorScore")
    counts = (
        Answer.objects.filter(rating__isnull=False)
        .exclude(Q(evidence_notes__regex=r"^\s*$") & Q(evidence_links__regex=r"^\s*$"))
        .values("audit_id", "question__factor")
        .annotate(n=Count("pk"))
    )
    for row in counts.iterator():
        FactorScore.objects.filter(audit_id=row["audit_id"], factor=row["question__factor"]).update(evidenced=row["n"])


class Migration(migrations.Migration):
    dependencies = [("audits", "0003_council_benchmark_opt_in_factorscore_evidenced")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
