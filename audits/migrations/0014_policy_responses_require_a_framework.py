"""Every policy response now belongs to a question bank (0013 gave the old ones to CLEAR 2026.1)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0013_clear_2026_1_responses_codes_and_question_links"),
    ]

    operations = [
        migrations.AlterField(
            model_name="policyresponse",
            name="framework",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="responses", to="audits.framework"
            ),
        ),
        migrations.AddConstraint(
            model_name="intervention",
            constraint=models.UniqueConstraint(
                fields=("response", "code"), name="intervention_unique_code_per_response"
            ),
        ),
        migrations.AddConstraint(
            model_name="intervention",
            constraint=models.CheckConstraint(
                condition=models.Q(("code__regex", "^[a-z0-9]+(-[a-z0-9]+)*$")), name="intervention_code_slug"
            ),
        ),
        migrations.AddConstraint(
            model_name="policyresponse",
            constraint=models.UniqueConstraint(
                fields=("framework", "factor"), name="response_one_per_factor_per_framework"
            ),
        ),
    ]
