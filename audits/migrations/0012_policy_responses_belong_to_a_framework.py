"""Policy responses and interventions become part of a question bank's version.

Schema only, in three steps with the data migration 0013 between: the new columns arrive
empty here, 0013 gives the existing responses to CLEAR 2026.1 and codes to its interventions,
and 0014 then makes them required.
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audits", "0011_report_bundle_heartbeat_one_in_flight")]

    operations = [
        migrations.AddField(
            model_name="framework",
            name="rating_guidance",
            field=models.TextField(
                blank=True,
                help_text="How to choose a level: the best-fit rule and what words such as “most” and “some” mean.",
            ),
        ),
        migrations.AlterField(
            model_name="policyresponse",
            name="factor",
            field=models.CharField(
                choices=[
                    ("can_do", "Can do"),
                    ("like_to", "Like to"),
                    ("enabled_to", "Enabled to"),
                    ("asked_to", "Asked to"),
                    ("responded_to", "Responded to"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="policyresponse",
            name="framework",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="responses",
                to="audits.framework",
            ),
        ),
        migrations.AlterModelOptions(name="policyresponse", options={"ordering": ["framework", "factor"]}),
        migrations.AddField(
            model_name="intervention",
            name="code",
            field=models.CharField(
                default="",
                max_length=60,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[a-z0-9]+(-[a-z0-9]+)*$",
                        "Use lower-case letters, digits and hyphens, e.g. digital-inclusion.",
                    )
                ],
                help_text="Short reference, unique within the question bank, e.g. digital-inclusion.",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="intervention",
            name="questions",
            field=models.ManyToManyField(
                blank=True,
                help_text="The questions of the same bank that this intervention addresses.",
                related_name="interventions",
                to="audits.question",
            ),
        ),
    ]
