"""Questions say whether they rate the area's context or the council's practice.

CLEAR 2026.1's questions that describe residents rather than what the council does are
tagged as context here; the bank file is frozen (see 0002).
"""

from django.db import migrations, models

CONTEXT_2026_1 = ["CD2", "LT1", "LT2", "LT3", "LT4", "LT6", "ET1", "ET2", "ET3", "RT8"]


def tag_context(apps, schema_editor):
    Question = apps.get_model("audits", "Question")
    Question.objects.filter(framework__version="CLEAR 2026.1", code__in=CONTEXT_2026_1).update(kind="context")


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0014_policy_responses_require_a_framework"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="kind",
            field=models.CharField(
                choices=[("context", "Area context"), ("practice", "Council practice")],
                default="practice",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="question",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["context", "practice"])), name="question_kind_valid"
            ),
        ),
        migrations.RunPython(tag_context, migrations.RunPython.noop),
    ]
