"""Stored factor scores keep their questions rated 1 or 2, so that dashboards built from them
judge bands and suggestions by the same rule as the audit page (a barrier is never averaged
away). Existing scores are filled in from their audits' answers.
"""

from collections import defaultdict

from django.db import migrations, models


def backfill(apps, schema_editor):
    Answer = apps.get_model("audits", "Answer")
    FactorScore = apps.get_model("audits", "FactorScore")
    weak = defaultdict(dict)
    rows = Answer.objects.filter(rating__lte=2, rating__isnull=False).values_list(
        "audit_id", "question__factor", "question__code", "rating"
    )
    for audit_id, factor, code, rating in rows.iterator(chunk_size=5000):
        weak[audit_id, factor][code] = rating
    changed = []
    for score in FactorScore.objects.filter(audit_id__in={audit_id for audit_id, _ in weak}).iterator(chunk_size=5000):
        if (score.audit_id, score.factor) in weak:
            score.weak_ratings = weak[score.audit_id, score.factor]
            changed.append(score)
    FactorScore.objects.bulk_update(changed, ["weak_ratings"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0016_seed_clear_2027_1"),
    ]

    operations = [
        migrations.AddField(
            model_name="factorscore",
            name="weak_ratings",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="The factor's questions rated 1 or 2, code to rating: a barrier is never averaged away.",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
